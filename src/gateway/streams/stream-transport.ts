/**
 * A session's transport over one streaming HTTP response (bidirectional emulation): the server
 * writes to the response for the life of the session, the client's commands arrive through
 * `POST /emulation` (`deliver`). Framing, by transport: HTTP streaming writes each turn's frames
 * as they are, newline-terminated in JSON (the SDK reads one JSON message per line) and
 * self-delimiting in Protobuf; SSE writes each JSON frame as an event. The unidirectional
 * transports (uni_sse, uni_http_stream) use the same framing; their commands never come.
 * Without close frames, a session's end is told with a `disconnect` push before the response ends.
 */
import type { ServerResponse } from 'node:http';
import type { Encoding } from '../../protocol/encoding.js';
import { IGNORE_EVENTS, type Transport, type TransportHandler } from '../ws/transport.js';

export type StreamKind = 'http_stream' | 'sse';

const NEWLINE = Buffer.from('\n');
const SSE_START = Buffer.from('data: ');
const SSE_NEXT = Buffer.from('\n\ndata: ');
const SSE_END = Buffer.from('\n\n');

export class StreamTransport implements Transport {
  private handler: TransportHandler = IGNORE_EVENTS;
  private open = true;

  constructor(
    private readonly res: ServerResponse,
    readonly kind: StreamKind,
    private readonly encoding: Encoding,
    readonly session: string,
  ) {}

  get isOpen(): boolean {
    return this.open && !this.res.destroyed;
  }

  get bufferedAmount(): number {
    return this.res.writableLength;
  }

  attach(handler: TransportHandler): void {
    this.handler = handler;
    this.res.on('close', () => {
      this.open = false;
      this.handler.onClose();
    });
  }

  /** Commands of the session, from the connect request or an `/emulation` request. */
  deliver(data: Buffer): void {
    if (this.isOpen) this.handler.onMessage(data, this.encoding.binary);
  }

  send(payload: Buffer, _binary: boolean): void {
    if (!this.isOpen) return;
    if (this.kind === 'sse') {
      this.res.write(sseEvent(payload));
    } else if (this.encoding.binary) {
      this.res.write(payload);
    } else {
      this.res.cork();
      this.res.write(payload);
      this.res.write(NEWLINE);
      this.res.uncork();
    }
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.send(this.encoding.disconnectPush(code, reason), this.encoding.binary);
    this.open = false;
    this.res.end();
  }

  terminate(): void {
    this.open = false;
    this.res.destroy();
  }
}

/**
 * JSON frames joined by newlines as SSE events, one per frame (`data: <frame>` and a blank line),
 * as Centrifugo writes them: a plain `EventSource` gets one JSON message per event.
 */
function sseEvent(payload: Buffer): Buffer {
  const parts: Buffer[] = [SSE_START];
  let start = 0;
  for (let i = payload.indexOf(10); i !== -1; i = payload.indexOf(10, start)) {
    parts.push(payload.subarray(start, i), SSE_NEXT);
    start = i + 1;
  }
  parts.push(payload.subarray(start), SSE_END);
  return Buffer.concat(parts);
}
