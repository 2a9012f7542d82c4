/**
 * Deltas for a run of publications of one stream sent to a delta subscriber at once (recovered in
 * a subscribe reply): the first goes in full, each next one as a Fossil delta against the data of
 * the one before, unless the delta is not smaller than the data (then in full, as Centrifugo).
 */
import { publicationBytes } from '../publication-bytes.js';
import type { Publication } from '../types.js';
import { createFossilDelta } from './fossil.js';

/** The patch for each publication of `pubs` (undefined: send it in full). */
export function deltaChain(pubs: readonly Publication[]): (Uint8Array | undefined)[] {
  const patches: (Uint8Array | undefined)[] = new Array(pubs.length);
  let previous: Buffer | undefined;
  for (let i = 0; i < pubs.length; i++) {
    const data = publicationBytes(pubs[i]!);
    patches[i] = previous === undefined ? undefined : usefulPatch(previous, data);
    previous = data;
  }
  return patches;
}

/** The delta of `data` against `base`, or undefined when it saves nothing. */
export function usefulPatch(base: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  const patch = createFossilDelta(base, data);
  return patch.length < data.length ? patch : undefined;
}
