/**
 * A session's transport over one streaming HTTP response (bidirectional emulation): the server
 * writes to the response for the life of the session, the client's commands arrive through
 * `POST /emulation` (`deliver`). Framing, by transport: HTTP streaming writes each turn's frames
 * as they are, newline-terminated in JSON (the SDK reads one JSON message per line) and
 * self-delimiting in Protobuf; SSE writes each JSON frame as an event. The unidirectional
 * transports (uni_sse, uni_http_stream) use the same framing; their commands never come.
 * Without close frames, a session's end is told with a `disconnect` push before the response ends.
 * The response has no length and no chunked encoding (it ends with the connection), so once its
 * head is out the frames are written straight to the socket, one write per flush, as on WebSocket.
 */
import type { Socket } from 'node:net';
import type { Encoding } from '../../protocol/encoding.js';
import type { Framer } from '../shared-wire.js';
import { IGNORE_EVENTS, type Transport, type TransportHandler } from '../transport.js';

export type StreamKind = 'http_stream' | 'sse';

const NL = 10;
const DATA = Buffer.from('data: ');
/** `data: ` before a frame, a blank line after it. */
const EVENT_OVERHEAD = DATA.length + 2;

export class StreamTransport implements Transport {
  private handler: TransportHandler = IGNORE_EVENTS;
  private open = true;
  /** Fixed by the transport kind and the encoding, so chosen once rather than on every flush. */
  readonly framer: Framer;

  constructor(
    private readonly socket: Socket,
    readonly kind: StreamKind,
    private readonly encoding: Encoding,
    readonly session: string,
  ) {
    this.framer = kind === 'sse' ? SSE : encoding.binary ? AS_IS : LINES;
  }

  get name(): string {
    return this.encoding.unidirectional === true ? `uni_${this.kind}` : this.kind;
  }

  get isOpen(): boolean {
    return this.open && !this.socket.destroyed;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  attach(handler: TransportHandler): void {
    this.handler = handler;
    this.socket.once('close', () => {
      this.open = false;
      this.handler.onClose();
    });
  }

  /** Commands of the session, from the connect request or an `/emulation` request. */
  deliver(data: Buffer): void {
    if (this.isOpen) this.handler.onMessage(data, this.encoding.binary);
  }

  writeWire(wire: Buffer): void {
    if (this.isOpen) this.socket.write(wire);
  }

  send(payload: Buffer, binary: boolean): void {
    if (this.isOpen) this.socket.write(this.framer.frame(payload, binary));
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.send(this.encoding.disconnectPush(code, reason), this.encoding.binary);
    this.open = false;
    this.socket.end();
  }

  terminate(): void {
    this.open = false;
    this.socket.destroy();
  }
}

const SSE: Framer = { frame: (payload) => sseEvents(payload) };
/** Protobuf frames are self-delimiting. */
const AS_IS: Framer = { frame: (payload) => payload };
const LINES: Framer = { frame: (payload) => lines(payload) };

/** JSON frames joined by newlines, newline-terminated: one JSON message per line. */
function lines(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(payload.length + 1);
  payload.copy(out, 0);
  out[payload.length] = NL;
  return out;
}

/**
 * JSON frames joined by newlines as SSE events, one per frame (`data: <frame>` and a blank line),
 * as Centrifugo writes them: a plain `EventSource` gets one JSON message per event. Built in one
 * pass into a buffer of the exact size.
 */
function sseEvents(payload: Buffer): Buffer {
  let frames = 1;
  for (let i = payload.indexOf(NL); i !== -1; i = payload.indexOf(NL, i + 1)) frames++;
  const out = Buffer.allocUnsafe(payload.length - (frames - 1) + frames * EVENT_OVERHEAD);
  let pos = 0;
  let start = 0;
  for (;;) {
    const end = payload.indexOf(NL, start);
    pos += DATA.copy(out, pos);
    pos += payload.copy(out, pos, start, end === -1 ? payload.length : end);
    out[pos++] = NL;
    out[pos++] = NL;
    if (end === -1) return out;
    start = end + 1;
  }
}
