/**
 * A hash tag for every Redis Cluster slot: `slotTag(slot)` is a 3-character string whose slot is
 * `slot`, so the key `…{<tag>}` lives in that slot. The stream scripts use it to name the seed key
 * of a channel's slot (`KeySpace.seed`): a script may touch only keys of the slot of the keys it
 * declares, and one seed per slot bounds the seed keys to 16,384 however many channels are read.
 *
 * The table is found once per process, at the start of an engine on Redis Cluster, by trying the
 * strings of three characters from a 64-character alphabet in order, hashing each incrementally
 * (one CRC step per string): every slot has a tag after the first 73,531 of the 262,144, which took
 * 4 to 11 ms on a loaded 2-core machine. It is deterministic, so every node and every version names
 * the same seed keys; it is kept as 3 bytes per slot (48 KiB).
 */
import { crcStep, SLOT_COUNT } from './slot.js';

/** Characters of a tag: safe in any key name, none of them a brace. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
const TAG_LENGTH = 3;

let table: Uint8Array | undefined;

/** Builds the table if this process has not yet; engines on Redis Cluster call it at start. */
export function slotTags(): Uint8Array {
  table ??= buildTable();
  return table;
}

/** The tag whose hash slot is `slot` (0 to 16383). */
export function slotTag(slot: number): string {
  const tags = slotTags();
  const at = slot * TAG_LENGTH;
  return String.fromCharCode(tags[at]!, tags[at + 1]!, tags[at + 2]!);
}

function buildTable(): Uint8Array {
  const codes = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
  const n = codes.length;
  const tags = new Uint8Array(SLOT_COUNT * TAG_LENGTH);
  const found = new Uint8Array(SLOT_COUNT);
  let left = SLOT_COUNT;
  for (let i = 0; i < n; i++) {
    const one = crcStep(0, codes[i]!);
    for (let j = 0; j < n; j++) {
      const two = crcStep(one, codes[j]!);
      for (let k = 0; k < n; k++) {
        const slot = crcStep(two, codes[k]!) & (SLOT_COUNT - 1);
        if (found[slot] === 1) continue;
        found[slot] = 1;
        const at = slot * TAG_LENGTH;
        tags[at] = codes[i]!;
        tags[at + 1] = codes[j]!;
        tags[at + 2] = codes[k]!;
        if (--left === 0) return tags;
      }
    }
  }
  // Unreachable with this alphabet (a test checks every slot); a changed alphabet must cover them too.
  throw new Error(`no ${TAG_LENGTH}-character tag for ${left} hash slots`);
}
