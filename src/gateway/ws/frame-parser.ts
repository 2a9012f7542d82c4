/**
 * Client-to-server frame parsing (RFC 6455 section 5) as a base class, so the parse state lives in
 * the one object a connection already has. Payloads are unmasked in place inside the socket's
 * chunk. Nothing is kept as a view into a chunk past the read it came in: a frame that spans reads
 * and the fragments of a message are copied into one buffer each (grow.ts), so a connection holds
 * about the bytes it is waiting on, at most a frame and a message (`maxPayload`), however those
 * bytes were cut up. The common case, whole unfragmented frames, copies nothing.
 */
import { isUtf8 } from 'node:buffer';
import { isValidCloseCode, WsCloseCode } from './close-codes.js';
import { Opcode, unmask } from './frame.js';
import { backingBytes, reserve } from './grow.js';

const EMPTY = Buffer.alloc(0);

export abstract class FrameParser {
  /** The start of a frame that spans reads (copied), how much of it is there, how much is needed. */
  private partial: Buffer | null = null;
  private partialLength = 0;
  private needed = 0;
  /** The payload of a fragmented message so far (copied), null until it has a byte. */
  private message: Buffer | null = null;
  private messageLength = 0;
  /** The opcode of the fragmented message in progress; Continuation (0) while there is none. */
  private messageOpcode = Opcode.Continuation;
  /** Set once the parser met an error or a close frame: later bytes are dropped. */
  protected parseDone = false;

  /** Bytes of memory the parser keeps between reads. */
  get heldBytes(): number {
    return backingBytes(this.partial) + backingBytes(this.message);
  }

  /** Largest message, bytes, fragmented or not. */
  protected abstract get maxPayload(): number;
  /** A complete data message. */
  protected abstract onFrameMessage(data: Buffer, isBinary: boolean): void;
  protected abstract onFramePing(payload: Buffer): void;
  /** A valid close frame: `code` 1005 when it carried none. */
  protected abstract onFrameClose(code: number): void;
  /** A protocol violation: the connection must be failed with `code`. */
  protected abstract onFrameError(code: WsCloseCode): void;

  /** Feeds bytes read from the socket. */
  protected parse(chunk: Buffer): void {
    if (this.parseDone) return;
    let at = 0;
    // First the frame that spans reads: copy what it still needs, parse it once complete.
    while (this.partial !== null) {
      const take = Math.min(this.needed - this.partialLength, chunk.length - at);
      const partial = reserve(this.partial, this.partialLength, this.partialLength + take, this.needed);
      chunk.copy(partial, this.partialLength, at, at + take);
      this.partial = partial;
      this.partialLength += take;
      at += take;
      if (this.partialLength < this.needed) return;
      // Parsing may learn the frame is longer than its first bytes said (`needed` grows): go on.
      if (this.parseFrame(partial.subarray(0, this.partialLength), 0) === 0) {
        if (this.parseDone) return;
        continue;
      }
      this.partial = null;
    }
    while (!this.parseDone && at < chunk.length) {
      const used = this.parseFrame(chunk, at);
      if (used === 0) {
        if (!this.parseDone) this.keep(chunk, at);
        return;
      }
      at += used;
    }
  }

  /** Parses one frame at `at`; returns the bytes it used, 0 when the frame is incomplete. */
  private parseFrame(data: Buffer, at: number): number {
    const available = data.length - at;
    if (available < 2) return this.wait(2);
    const b0 = data[at]!;
    const b1 = data[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) return this.fail(WsCloseCode.ProtocolError);
    if ((b1 & 0x80) === 0) return this.fail(WsCloseCode.ProtocolError); // clients must mask
    let length = b1 & 0x7f;
    let header = 6;
    if (length === 126) header = 8;
    else if (length === 127) header = 14;
    if (available < header) return this.wait(header);
    if (length === 126) {
      length = data.readUInt16BE(at + 2);
    } else if (length === 127) {
      const high = data.readUInt32BE(at + 2);
      // Anything at or above 2^32 is over every size limit.
      if (high !== 0) return this.fail(WsCloseCode.MessageTooBig);
      length = data.readUInt32BE(at + 6);
    }
    if (opcode >= Opcode.Close) {
      if (opcode > Opcode.Pong || !fin || length > 125) return this.fail(WsCloseCode.ProtocolError);
    } else if (opcode > Opcode.Binary) {
      return this.fail(WsCloseCode.ProtocolError);
    } else if ((opcode === Opcode.Continuation) === (this.messageOpcode === Opcode.Continuation)) {
      // A continuation needs a message in progress; a new message must not interrupt one.
      return this.fail(WsCloseCode.ProtocolError);
    } else if (this.messageLength + length > this.maxPayload) {
      return this.fail(WsCloseCode.MessageTooBig);
    }
    const end = at + header + length;
    if (data.length < end) return this.wait(header + length);
    const start = at + header;
    unmask(data, start, end, start - 4);
    const payload = data.subarray(start, end);
    if (opcode >= Opcode.Close) this.control(opcode, payload);
    else this.dataFrame(opcode, fin, payload);
    return header + length;
  }

  private dataFrame(opcode: Opcode, fin: boolean, payload: Buffer): void {
    if (opcode !== Opcode.Continuation) {
      if (fin) {
        this.deliver(payload, opcode === Opcode.Binary);
        return;
      }
      this.messageOpcode = opcode;
    }
    if (payload.length > 0) {
      const message = reserve(
        this.message,
        this.messageLength,
        this.messageLength + payload.length,
        this.maxPayload,
      );
      payload.copy(message, this.messageLength);
      this.message = message;
      this.messageLength += payload.length;
    }
    if (!fin) return;
    const message = this.message === null ? EMPTY : this.message.subarray(0, this.messageLength);
    const isBinary = this.messageOpcode === Opcode.Binary;
    this.dropMessage();
    this.deliver(message, isBinary);
  }

  private deliver(message: Buffer, isBinary: boolean): void {
    if (!isBinary && !isUtf8(message)) {
      this.fail(WsCloseCode.InvalidPayload);
      return;
    }
    this.onFrameMessage(message, isBinary);
  }

  private control(opcode: Opcode, payload: Buffer): void {
    if (opcode === Opcode.Ping) {
      this.onFramePing(payload);
    } else if (opcode === Opcode.Close) {
      if (payload.length === 1) {
        this.fail(WsCloseCode.ProtocolError);
        return;
      }
      const code = payload.length === 0 ? 1005 : payload.readUInt16BE(0);
      if (payload.length > 0 && !isValidCloseCode(code)) {
        this.fail(WsCloseCode.ProtocolError);
        return;
      }
      if (!isUtf8(payload.subarray(2))) {
        this.fail(WsCloseCode.InvalidPayload);
        return;
      }
      this.parseDone = true;
      this.drop();
      this.onFrameClose(code);
    }
    // Pongs need no answer.
  }

  /** The frame is incomplete: it needs `needed` bytes from its start. */
  private wait(needed: number): 0 {
    this.needed = needed;
    return 0;
  }

  /** Copies the incomplete frame at the end of `chunk` (from `at`) to finish it with later reads. */
  private keep(chunk: Buffer, at: number): void {
    const rest = chunk.length - at;
    const partial = reserve(null, 0, rest, this.needed);
    chunk.copy(partial, 0, at);
    this.partial = partial;
    this.partialLength = rest;
  }

  private fail(code: WsCloseCode): 0 {
    this.parseDone = true;
    this.drop();
    this.onFrameError(code);
    return 0;
  }

  private drop(): void {
    this.partial = null;
    this.dropMessage();
  }

  private dropMessage(): void {
    this.message = null;
    this.messageLength = 0;
    this.messageOpcode = Opcode.Continuation;
  }
}
