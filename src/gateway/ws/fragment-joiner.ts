/**
 * Joins fragmented messages before the `ws` package sees them (`websocket.transport: ws`). The
 * package's receiver keeps every fragment as a view into the socket read it arrived in, so a
 * one-byte fragment in a 64 KiB read keeps the whole read alive until the message ends: a few
 * sockets can pin gigabytes with a few kilobytes of message. The joiner reads frame headers as the
 * bytes go by and passes every frame through untouched, except data fragments: their payloads are
 * unmasked into one buffer of the joiner's own (grow.ts, bounded by the size limit), and the
 * finished message is handed on as one frame (masked with a zero key). Unfragmented traffic is
 * passed on as the same chunks, uncopied; only the headers are read.
 *
 * Where the package must refuse what it no longer sees, the joiner hands it what makes it refuse
 * the same way: a header over the size limit (1009), or the start of a fragmented message before
 * a frame that interrupts one (1002). After any frame it does not join (invalid, or a close) it
 * passes everything through and reads no more.
 */
import { Opcode } from './frame.js';
import { reserve } from './grow.js';

/** Largest frame header: 2 bytes, a 64-bit length, a mask. */
const MAX_HEADER = 14;
/** An empty, masked text fragment that starts a message (zero mask key). */
const START = Buffer.from([Opcode.Text, 0x80, 0, 0, 0, 0]);

/** What becomes of a frame once its header is read. */
enum Action {
  /** Forwarded untouched: control frames, unfragmented messages. */
  Pass = 0,
  /** A data fragment: its payload is joined. */
  Join = 1,
  /** Forwarded untouched, and everything after it: an invalid frame or a close. */
  Through = 2,
  /** As Through, after START: a new message interrupts the one being joined. */
  Interrupt = 3,
  /** The message would pass the size limit: a header announcing more than it, then Through. */
  TooBig = 4,
}

export class FragmentJoiner {
  /** The start of a header that spans reads. */
  private readonly held = new Uint8Array(MAX_HEADER);
  private heldLength = 0;
  /** Payload bytes of the current frame still to come, and whether they are joined. */
  private remaining = 0;
  private joining = false;
  /** The current joined fragment ends its message. */
  private fin = false;
  private readonly mask = new Uint8Array(4);
  /** Payload bytes of the current joined fragment so far (their place in the mask). */
  private phase = 0;
  /** The joined message so far: its bytes, their count, its opcode (Continuation: none). */
  private message: Buffer | null = null;
  private messageLength = 0;
  private messageOpcode = Opcode.Continuation;
  /** Gave up reading frames: everything goes through as it comes. */
  private through = false;

  constructor(
    /** Hands bytes on to the package's receiver, in order. */
    private readonly forward: (bytes: Buffer) => void,
    /** `websocket.message_size_limit`, the package's `maxPayload`. */
    private readonly maxPayload: number,
  ) {}

  /** Bytes of memory the joiner holds for a message in progress. */
  get heldBytes(): number {
    return this.message === null ? 0 : this.message.buffer.byteLength;
  }

  /** Bytes read from the socket. */
  write(chunk: Buffer): void {
    if (this.through) {
      this.forward(chunk);
      return;
    }
    let at = 0;
    /** Start of the run of bytes forwarded untouched, -1 while there is none. */
    let run = -1;
    const flush = (end: number): void => {
      if (run !== -1 && end > run)
        this.forward(run === 0 && end === chunk.length ? chunk : chunk.subarray(run, end));
      run = -1;
    };
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        if (this.joining) this.join(chunk, at, n);
        else if (run === -1) run = at;
        at += n;
        this.remaining -= n;
        if (this.remaining === 0 && this.joining) this.endFragment();
        continue;
      }
      // A frame starts here, or its header started in an earlier read.
      let source: Uint8Array = chunk;
      let offset = at;
      let size = this.heldLength === 0 ? headerSize(chunk, at, chunk.length - at) : 0;
      if (size === 0 || at + size > chunk.length) {
        flush(at);
        at += this.fill(chunk, at);
        size = headerSize(this.held, 0, this.heldLength);
        if (size === 0 || this.heldLength < size) return;
        source = this.held;
        offset = 0;
      }
      const action = this.decide(source, offset);
      if (action === Action.Pass) {
        if (source === this.held) this.forward(Buffer.from(this.held.subarray(0, size)));
        else if (run === -1) run = at;
      } else {
        flush(at);
      }
      if (source === chunk) at += size;
      this.heldLength = 0;
      if (action === Action.Join && this.remaining === 0) this.endFragment();
      if (action < Action.Through) continue;
      if (action === Action.Interrupt) this.forward(START);
      if (action === Action.TooBig) this.forward(tooBig(this.maxPayload));
      this.through = true;
      this.message = null;
      // The frame's header and everything after it, as they came.
      if (source === chunk) {
        this.forward(chunk.subarray(offset));
      } else {
        this.forward(Buffer.from(source.subarray(0, size)));
        if (at < chunk.length) this.forward(chunk.subarray(at));
      }
      return;
    }
    flush(chunk.length);
  }

  /** Copies header bytes from `chunk` at `at` into `held`, as far as the header goes; returns how many. */
  private fill(chunk: Buffer, at: number): number {
    let taken = 0;
    for (;;) {
      const need = Math.max(2, headerSize(this.held, 0, this.heldLength));
      const n = Math.min(need - this.heldLength, chunk.length - at - taken);
      if (n <= 0) return taken;
      this.held.set(chunk.subarray(at + taken, at + taken + n), this.heldLength);
      this.heldLength += n;
      taken += n;
    }
  }

  /** Reads the complete header at `offset`; sets up its payload; says what becomes of the frame. */
  private decide(bytes: Uint8Array, offset: number): Action {
    const b0 = bytes[offset]!;
    const b1 = bytes[offset + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const length7 = b1 & 0x7f;
    const inMessage = this.messageOpcode !== Opcode.Continuation;
    // The package's own checks, in its order: reserved bits, opcode, mask, then length.
    if ((b0 & 0x70) !== 0) return Action.Through;
    if (opcode === Opcode.Continuation) {
      if (!inMessage) return Action.Through;
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (inMessage) return Action.Interrupt;
    } else if (opcode >= Opcode.Close && opcode <= Opcode.Pong) {
      if (!fin || length7 > 125 || opcode === Opcode.Close) return Action.Through;
    } else {
      return Action.Through;
    }
    if ((b1 & 0x80) === 0) return Action.Through;
    const at = offset + 2;
    let length = length7;
    if (length7 === 126) length = (bytes[at]! << 8) | bytes[at + 1]!;
    else if (length7 === 127) length = readUint32(bytes, at) * 0x1_0000_0000 + readUint32(bytes, at + 4);
    if (opcode >= Opcode.Close || (fin && !inMessage)) {
      // Control frames and whole messages go to the package, which checks their length itself.
      if (opcode < Opcode.Close && length > this.maxPayload) return Action.Through;
      this.remaining = length;
      this.joining = false;
      return Action.Pass;
    }
    if (this.messageLength + length > this.maxPayload) return Action.TooBig;
    if (!inMessage) this.messageOpcode = opcode;
    const maskAt = at + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0);
    this.mask.set(bytes.subarray(maskAt, maskAt + 4));
    this.phase = 0;
    this.fin = fin;
    this.remaining = length;
    this.joining = true;
    return Action.Join;
  }

  /** Unmasks `n` payload bytes of the current fragment into the message. */
  private join(chunk: Buffer, at: number, n: number): void {
    const message = reserve(this.message, this.messageLength, this.messageLength + n, this.maxPayload);
    const mask = this.mask;
    const base = this.messageLength;
    const phase = this.phase;
    for (let i = 0; i < n; i++) message[base + i] = chunk[at + i]! ^ mask[(phase + i) & 3]!;
    this.message = message;
    this.messageLength += n;
    this.phase += n;
  }

  /** The current fragment is complete; the last one hands the message on as one frame. */
  private endFragment(): void {
    this.joining = false;
    if (!this.fin) return;
    const length = this.messageLength;
    this.forward(joinedHeader(this.messageOpcode, length));
    if (length > 0) this.forward(this.message!.subarray(0, length));
    this.message = null;
    this.messageLength = 0;
    this.messageOpcode = Opcode.Continuation;
  }
}

/** Size of the header that starts at `offset` (`available` bytes there), 0 until its first two bytes are. */
function headerSize(bytes: Uint8Array, offset: number, available: number): number {
  if (available < 2) return 0;
  const length7 = bytes[offset + 1]! & 0x7f;
  const mask = (bytes[offset + 1]! & 0x80) !== 0 ? 4 : 0;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + mask;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** A final, masked (zero key) frame header for a joined message of `length` bytes. */
function joinedHeader(opcode: Opcode, length: number): Buffer {
  const ext = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + ext + 4);
  header[0] = 0x80 | opcode;
  if (ext === 0) {
    header[1] = 0x80 | length;
  } else if (ext === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  return header;
}

/** A final text frame header (64-bit length form) announcing one byte more than the limit: refused with 1009. */
function tooBig(maxPayload: number): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x80 | Opcode.Text;
  header[1] = 0x80 | 127;
  header.writeUInt32BE(Math.floor((maxPayload + 1) / 0x1_0000_0000), 2);
  header.writeUInt32BE((maxPayload + 1) >>> 0, 6);
  return header;
}
