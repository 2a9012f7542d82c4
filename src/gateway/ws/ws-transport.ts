/** The `ws` package behind the Transport interface (`websocket.transport: ws`). */
import type { WebSocket } from 'ws';
import { IGNORE_EVENTS, type Transport, type TransportHandler } from '../transport.js';
import { FragmentJoiner } from './fragment-joiner.js';

/** Send options shared by every write, by frame type. */
const TEXT_FRAME = { binary: false } as const;
const BINARY_FRAME = { binary: true } as const;

export class WsTransport implements Transport {
  private handler: TransportHandler = IGNORE_EVENTS;

  /** `maxPayload`: `websocket.message_size_limit`, as the package was given it. */
  constructor(
    private readonly ws: WebSocket,
    open: Set<Transport>,
    maxPayload: number,
  ) {
    joinFragments(ws, maxPayload);
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

  send(payload: Buffer, binary: boolean): void {
    this.ws.send(payload, binary ? BINARY_FRAME : TEXT_FRAME);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** The package's receiver: the socket's bytes go to its `write` (internal to the package). */
interface Receiver {
  write(chunk: Buffer): boolean;
}

/**
 * Puts a FragmentJoiner in front of the package's receiver, which would otherwise keep each
 * fragment as a view into its socket read. It wraps the receiver's `write` rather than the socket's
 * `data` listener: the package feeds the receiver from more than that listener (what is left in
 * the socket when it closes), and removes that listener itself after a protocol error. Called right
 * after the upgrade, before the socket has emitted any data (it starts flowing on the next tick).
 */
function joinFragments(ws: WebSocket, maxPayload: number): void {
  const receiver = (ws as unknown as { _receiver?: Partial<Receiver> })._receiver;
  const write = receiver?.write;
  if (receiver === undefined || write === undefined) return;
  // The receiver's answer for the last bytes handed on: false asks the package to pause the socket.
  let room = true;
  const joiner = new FragmentJoiner((bytes) => {
    room = write.call(receiver, bytes);
  }, maxPayload);
  receiver.write = (chunk: Buffer): boolean => {
    room = true;
    joiner.write(chunk);
    return room;
  };
}
