/**
 * Centrifugo's unidirectional WebSocket (`/connection/uni_websocket`), for clients without an SDK:
 * the connect request comes in the `cf_connect` query parameter or as the client's first message,
 * whatever the client sends after that is read and dropped, and every push goes out as a message
 * of its own (the per-turn frames, newline-joined by the JSON encoding, are split again), so a
 * plain `WebSocket` gets one JSON push per message.
 */
import { randomUUID } from 'node:crypto';
import type { Transport, TransportHandler } from '../transport.js';

export class UniWebSocketTransport implements Transport, TransportHandler {
  readonly name = 'uni_websocket';
  readonly session = randomUUID();
  private handler: TransportHandler | undefined;
  /** The connect request arrived: nothing the client sends is read any more. */
  private connected = false;

  constructor(
    private readonly inner: Transport,
    /** The connect request from the URL, if it came there. */
    private readonly request: Buffer | undefined,
  ) {}

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }

  attach(handler: TransportHandler): void {
    this.handler = handler;
    this.inner.attach(this);
    if (this.request !== undefined) this.onMessage(this.request, false);
  }

  onMessage(data: Buffer, isBinary: boolean): void {
    if (this.connected) return;
    this.connected = true;
    this.handler?.onMessage(data, isBinary);
  }

  onClose(): void {
    this.handler?.onClose();
  }

  onSlow(): void {
    this.handler?.onSlow();
  }

  send(payload: Buffer, binary: boolean): void {
    let start = 0;
    for (let i = payload.indexOf(10); i !== -1; i = payload.indexOf(10, start)) {
      this.inner.send(payload.subarray(start, i), binary);
      start = i + 1;
    }
    this.inner.send(start === 0 ? payload : payload.subarray(start), binary);
  }

  close(code: number, reason: string): void {
    this.inner.close(code, reason);
  }

  terminate(): void {
    this.inner.terminate();
  }
}
