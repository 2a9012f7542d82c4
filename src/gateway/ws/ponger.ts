/**
 * Answers a lean transport's pings. A client may send pings faster than it reads, or never read at
 * all; one pong written per ping would pile up in the socket's write queue, without bound, and
 * failing millions of queued writes when the socket is finally destroyed stalls the event loop.
 * RFC 6455 section 5.5.3 lets the latest ping stand for earlier ones not yet answered, so:
 *
 * - the pings of one socket read get one pong, for the last of them;
 * - while a pong is written and not yet taken by the kernel, later pings only replace the one
 *   owed, which is written when that pong is through;
 * - a pong counts against the connection's outbound limit (`client.queue_max_size`) like every
 *   other frame: a socket already holding that much unsent belongs to a client that does not read.
 *
 * Made on a connection's first ping: most clients never send one.
 */
import type { Socket } from 'node:net';
import { encodeFrame, Opcode } from './frame.js';

/** Largest control frame payload (RFC 6455 section 5.5). */
const MAX_PING = 125;

export class Ponger {
  /** The last ping of the read being parsed: a view into the read, answered before it ends. */
  private latest: Buffer | null = null;
  /** A pong written and not flushed yet. */
  private writing = false;
  /** The payload owed once that pong is through (copied), -1 for none. */
  private owedLength = -1;
  private owed: Buffer | null = null;
  private readonly written = (): void => this.onWritten();

  constructor(
    private readonly socket: Socket,
    /** `client.queue_max_size`, bytes. */
    private readonly limit: number,
    /** Called when a pong would pass the limit; the owner destroys the socket. */
    private readonly onSlow: () => void,
  ) {}

  /** A ping was parsed; `payload` is valid until the read it came in is parsed to the end. */
  ping(payload: Buffer): void {
    this.latest = payload;
  }

  /** The read is parsed: answers its last ping now, or once the pong before it is through. */
  answer(): void {
    const payload = this.latest;
    if (payload === null) return;
    this.latest = null;
    if (!this.writing) {
      this.write(payload);
      return;
    }
    this.owed ??= Buffer.allocUnsafeSlow(MAX_PING);
    this.owedLength = payload.copy(this.owed);
  }

  /** No more pongs: the connection is closing. A ping not answered yet stays unanswered. */
  stop(): void {
    this.latest = null;
    this.owedLength = -1;
  }

  private write(payload: Buffer): void {
    const pong = encodeFrame(Opcode.Pong, payload);
    if (this.socket.writableLength + pong.length > this.limit) {
      this.stop();
      this.onSlow();
      return;
    }
    this.writing = true;
    this.socket.write(pong, this.written);
  }

  /** The pong reached the kernel (or the socket failed): the owed one may go. */
  private onWritten(): void {
    this.writing = false;
    const length = this.owedLength;
    if (length < 0 || this.socket.destroyed) return;
    this.owedLength = -1;
    this.write(this.owed!.subarray(0, length));
  }
}
