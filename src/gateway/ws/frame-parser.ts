/**
 * Client-to-server frame parsing (RFC 6455 section 5) as a base class, so the parse state lives in
 * the one object a connection already has. Payloads are unmasked in place inside the socket's
 * chunk; bytes are copied only when a frame spans chunks or a message is fragmented.
 */
import { isUtf8 } from 'node:buffer';
import { isValidCloseCode, WsCloseCode } from './close-codes.js';
import { Opcode, unmask } from './frame.js';

export abstract class FrameParser {
  /** Unparsed bytes of a frame that spans chunks, and how many bytes the parser waits for. */
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;
  private needed = 0;
  /** Payloads of a fragmented message so far, and its opcode. */
  private fragments: Buffer[] | null = null;
  private fragmentBytes = 0;
  private fragmentOpcode = Opcode.Text;
  /** Set once the parser met an error or a close frame: later bytes are dropped. */
  protected parseDone = false;

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
    let data = chunk;
    if (this.pending !== null) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes < this.needed) return;
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = null;
    }
    let at = 0;
    while (!this.parseDone && at < data.length) {
      const used = this.parseFrame(data, at);
      if (used === 0) return;
      at += used;
    }
  }

  /** Parses one frame at `at`; returns the bytes it used, 0 when the frame is incomplete. */
  private parseFrame(data: Buffer, at: number): number {
    const available = data.length - at;
    if (available < 2) return this.wait(data, at, 2);
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
    if (available < header) return this.wait(data, at, header);
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
    } else if ((opcode === Opcode.Continuation) === (this.fragments === null)) {
      // A continuation needs a message in progress; a new message must not interrupt one.
      return this.fail(WsCloseCode.ProtocolError);
    } else if (this.fragmentBytes + length > this.maxPayload) {
      return this.fail(WsCloseCode.MessageTooBig);
    }
    const end = at + header + length;
    if (data.length < end) return this.wait(data, at, header + length);
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
      this.fragments = [payload];
      this.fragmentBytes = payload.length;
      this.fragmentOpcode = opcode;
      return;
    }
    const fragments = this.fragments!;
    fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (!fin) return;
    const message = Buffer.concat(fragments, this.fragmentBytes);
    this.fragments = null;
    this.fragmentBytes = 0;
    this.deliver(message, this.fragmentOpcode === Opcode.Binary);
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

  /** Keeps the rest of `data` (copied: the chunk may be large) until `needed` bytes are there. */
  private wait(data: Buffer, at: number, needed: number): 0 {
    const rest = data.subarray(at);
    this.pending = [Buffer.from(rest)];
    this.pendingBytes = rest.length;
    this.needed = needed;
    return 0;
  }

  private fail(code: WsCloseCode): 0 {
    this.parseDone = true;
    this.drop();
    this.onFrameError(code);
    return 0;
  }

  private drop(): void {
    this.pending = null;
    this.fragments = null;
    this.fragmentBytes = 0;
  }
}
