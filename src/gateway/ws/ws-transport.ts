/** The `ws` package behind the Transport interface (`websocket.transport: ws`). */
import type { WebSocket } from 'ws';
import { IGNORE_EVENTS, type Transport, type TransportHandler } from './transport.js';

/** Send options shared by every write: frames are JSON text. */
const TEXT_FRAME = { binary: false } as const;

export class WsTransport implements Transport {
  private handler: TransportHandler = IGNORE_EVENTS;

  constructor(
    private readonly ws: WebSocket,
    open: Set<Transport>,
  ) {
    open.add(this);
    ws.once('close', () => open.delete(this));
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  attach(handler: TransportHandler): void {
    this.handler = handler;
    this.ws.on('message', (data, isBinary) => this.handler.onMessage(data as Buffer, isBinary));
    this.ws.on('close', () => this.handler.onClose());
    this.ws.on('error', () => this.handler.onClose());
  }

  send(payload: Buffer): void {
    this.ws.send(payload, TEXT_FRAME);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
