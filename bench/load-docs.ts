/**
 * Follows one subscriber of the delta scenario: the bytes of the frames it receives after the
 * start, its publications and how many came as deltas, and every document rebuilt (a Fossil delta
 * applied to the previous document, as the SDKs do) checked against what was published.
 */
import { applyFossilDelta } from '../src/protocol/delta/fossil.js';

/** Bytes of a server-to-client WebSocket frame's header (unmasked) for a payload of `length`. */
export function wsHeaderBytes(length: number): number {
  return 2 + (length > 65535 ? 8 : length > 125 ? 2 : 0);
}

/** Counters of one tracked subscriber, as the load generator reports them. */
export interface DocCounts {
  /** Payload and frame-header bytes of every frame but pings. */
  bytes: number;
  frames: number;
  publications: number;
  deltas: number;
  /** Publications whose document (rebuilt when a delta) equals the one published in that place. */
  matched: number;
  firstError?: string;
}

export class DocTracker {
  bytes = 0;
  frames = 0;
  publications = 0;
  deltas = 0;
  matched = 0;
  firstError: string | undefined;
  /** The subscribe reply said `delta: true`. */
  deltaNegotiated = false;
  private previous: Uint8Array | undefined;

  /** `expected`: the documents in publishing order, as `JSON.stringify` writes them (shared, filled by the publisher). */
  constructor(private readonly expected: readonly string[]) {}

  /** Forgets what came before the measured run (the subscribe reply, earlier documents). */
  reset(): void {
    this.bytes = 0;
    this.frames = 0;
    this.publications = 0;
    this.deltas = 0;
    this.matched = 0;
    this.firstError = undefined;
  }

  frame(length: number): void {
    this.bytes += length + wsHeaderBytes(length);
    this.frames++;
  }

  /** A publication's data: the document, or (with `delta`) a Fossil delta against the previous one. */
  publication(data: Uint8Array, delta: boolean): void {
    const index = this.publications++;
    let doc = data;
    if (delta) {
      this.deltas++;
      if (this.previous === undefined) {
        this.fail(`publication ${index}: a delta with no previous document`);
        return;
      }
      try {
        doc = applyFossilDelta(this.previous, data);
      } catch (error) {
        this.fail(`publication ${index}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
    this.previous = doc;
    let text: string;
    try {
      text = JSON.stringify(JSON.parse(Buffer.from(doc).toString('utf8')));
    } catch {
      this.fail(`publication ${index}: the document is not JSON`);
      return;
    }
    if (text === this.expected[index]) this.matched++;
    else this.fail(`publication ${index}: the document differs from the one published`);
  }

  counts(): DocCounts {
    return {
      bytes: this.bytes,
      frames: this.frames,
      publications: this.publications,
      deltas: this.deltas,
      matched: this.matched,
      ...(this.firstError ? { firstError: this.firstError } : {}),
    };
  }

  private fail(why: string): void {
    this.firstError ??= why;
  }
}
