/**
 * Wire bytes shared by the connections of one flush. In a fan-out every subscriber of a channel
 * queues the same frame objects in the same order, so connections flushed one after the other
 * usually hold identical queues: the first of them joins and frames the queue, the rest write the
 * same buffer. Without it each connection copied the turn's frames twice (join, then behind the
 * WebSocket header) — allocations and copies per recipient where one per turn does.
 */
import type { Encoding } from '../protocol/encoding.js';

/** How a transport puts a joined payload on the wire (WebSocket frame, SSE events, lines). */
export interface Framer {
  frame(payload: Buffer, binary: boolean): Buffer;
}

export class SharedWire {
  private frames: readonly Buffer[] | null = null;
  private encoding: Encoding | null = null;
  private framer: Framer | null = null;
  private wire: Buffer | null = null;

  /** The wire bytes of `frames` (`bytes` long together) in `encoding`, framed by `framer`. */
  of(frames: readonly Buffer[], bytes: number, encoding: Encoding, framer: Framer): Buffer {
    const last = this.frames;
    if (last !== null && this.framer === framer && this.encoding === encoding && same(frames, last)) {
      return this.wire!;
    }
    const wire = framer.frame(encoding.join(frames, bytes), encoding.binary);
    this.frames = frames;
    this.encoding = encoding;
    this.framer = framer;
    this.wire = wire;
    return wire;
  }

  /** Lets the last queue and its bytes go (end of a flush). */
  clear(): void {
    this.frames = null;
    this.encoding = null;
    this.framer = null;
    this.wire = null;
  }
}

function same(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
