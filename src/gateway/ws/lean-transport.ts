/**
 * The built-in WebSocket transport: one object per connection holding the socket, the parse state
 * and the handler. Socket listeners are shared functions that find this object through a symbol
 * property on the socket, and the closing deadline sits in the node's shared timer wheel. Pings are
 * answered by a Ponger (ponger.ts), made on the first one.
 */
import type { Socket } from 'node:net';
import type { Framer } from '../shared-wire.js';
import type { TimerWheel, WheelItem } from '../timer-wheel.js';
import { IGNORE_EVENTS, type Transport, type TransportHandler } from '../transport.js';
import type { WsCloseCode } from './close-codes.js';
import { closePayload, encodeFrame, headerSize, Opcode, writeHeader } from './frame.js';
import { FrameParser } from './frame-parser.js';
import { Ponger } from './ponger.js';

/** Settings shared by every lean transport of a node. */
export interface LeanTransportOptions {
  /** Largest inbound message, bytes (`websocket.message_size_limit`). */
  maxPayload: number;
  /** How long a closing socket may wait for the client's close before it is destroyed, ms. */
  closeTimeout: number;
  /** Most bytes a socket may hold unsent (`client.queue_max_size`): a pong past it makes the client slow. */
  queueMaxSize: number;
  wheel: TimerWheel;
  /** Open transports, so a stop that runs out of time can cut them. */
  open: Set<Transport>;
}

/** Messages up to this size are copied behind their header and written once. */
const COPY_LIMIT = 1024;

/** One FIN frame per flush: the payload copied behind its header, so the write is one buffer. */
const FRAMER: Framer = {
  frame: (payload, binary) => encodeFrame(binary ? Opcode.Binary : Opcode.Text, payload),
};

enum State {
  Open = 0,
  Closing = 1,
  Closed = 2,
}

const kTransport = Symbol('switchboard.transport');
type TaggedSocket = Socket & { [kTransport]: LeanTransport };

function onSocketData(this: TaggedSocket, chunk: Buffer): void {
  this[kTransport].onData(chunk);
}

function onSocketEnd(this: TaggedSocket): void {
  // The client half-closed: finish our side too (HTTP sockets allow half-open).
  this[kTransport].onEnd();
}

function onSocketClose(this: TaggedSocket): void {
  this[kTransport].onSocketClose();
}

/** Resets a plain TCP socket; a TLS socket (no TCP handle of its own) or a closed one is destroyed. */
function cut(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function onSocketError(this: TaggedSocket): void {
  this.destroy();
}

export class LeanTransport extends FrameParser implements Transport, WheelItem {
  wheelSlot = -1;
  private handler: TransportHandler = IGNORE_EVENTS;
  private state = State.Open;
  private ponger: Ponger | null = null;

  /** `head`: bytes the HTTP parser read past the upgrade request. */
  constructor(
    private readonly socket: Socket,
    private readonly options: LeanTransportOptions,
    private head: Buffer | null,
  ) {
    super();
    socket.setTimeout(0);
    socket.setNoDelay(true);
    (socket as TaggedSocket)[kTransport] = this;
    socket.on('close', onSocketClose);
    socket.on('error', onSocketError);
    options.open.add(this);
  }

  get isOpen(): boolean {
    return this.state === State.Open;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  protected get maxPayload(): number {
    return this.options.maxPayload;
  }

  attach(handler: TransportHandler): void {
    this.handler = handler;
    this.socket.on('data', onSocketData);
    this.socket.on('end', onSocketEnd);
    const head = this.head;
    this.head = null;
    if (head !== null && head.length > 0) this.onData(head);
  }

  get framer(): Framer {
    return FRAMER;
  }

  writeWire(wire: Buffer): void {
    if (this.state === State.Open) this.socket.write(wire);
  }

  send(payload: Buffer, binary: boolean): void {
    if (this.state !== State.Open) return;
    const socket = this.socket;
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    if (payload.length <= COPY_LIMIT) {
      socket.write(encodeFrame(opcode, payload));
      return;
    }
    const header = Buffer.allocUnsafe(headerSize(payload.length));
    writeHeader(header, opcode, payload.length);
    socket.cork();
    socket.write(header);
    socket.write(payload);
    socket.uncork();
  }

  close(code: number, reason: string): void {
    if (this.state !== State.Open) return;
    this.closing();
    this.socket.write(encodeFrame(Opcode.Close, closePayload(code, reason)));
    this.finish();
  }

  /**
   * Cuts the connection with a reset: a plain close would leave the bytes the client never read in
   * the kernel's send buffer (megabytes on loopback) until the kernel gives up on it.
   */
  terminate(): void {
    cut(this.socket);
  }

  /** Closing deadline: the client never completed the close. */
  onDeadline(): void {
    cut(this.socket);
  }

  onData(chunk: Buffer): void {
    this.parse(chunk);
    // One pong for all the pings in this read.
    if (this.state === State.Open) this.ponger?.answer();
  }

  onEnd(): void {
    if (this.state === State.Open) this.closing();
    // Our FIN may wait behind bytes the client never reads: the close deadline bounds it.
    this.finish();
    this.handler.onClose();
  }

  onSocketClose(): void {
    this.ponger?.stop();
    this.state = State.Closed;
    this.options.wheel.cancel(this);
    this.options.open.delete(this);
    this.handler.onClose();
    this.handler = IGNORE_EVENTS;
  }

  protected onFrameMessage(data: Buffer, isBinary: boolean): void {
    // After our close frame the client may still send; nobody wants those messages.
    if (this.state === State.Open) this.handler.onMessage(data, isBinary);
  }

  protected onFramePing(payload: Buffer): void {
    if (this.state !== State.Open) return;
    this.ponger ??= new Ponger(this.socket, this.options.queueMaxSize, () => this.onSlow());
    this.ponger.ping(payload);
  }

  protected onFrameClose(code: number): void {
    if (this.state === State.Open) {
      this.closing();
      // Echo the client's code (none when it sent none).
      const body = code === 1005 ? Buffer.alloc(0) : closePayload(code, '');
      this.socket.write(encodeFrame(Opcode.Close, body));
    }
    this.finish();
    this.handler.onClose();
  }

  protected onFrameError(code: WsCloseCode): void {
    if (this.state === State.Open) {
      this.closing();
      this.socket.write(encodeFrame(Opcode.Close, closePayload(code, '')));
    }
    this.finish();
    this.handler.onClose();
  }

  /** Leaves the open state: a ping of this read is answered before the close frame, none after. */
  private closing(): void {
    const ponger = this.ponger;
    if (ponger !== null) {
      ponger.answer();
      ponger.stop();
    }
    if (this.state === State.Open) this.state = State.Closing;
  }

  /** A pong would pass the outbound limit: the client does not read. Cut as Connection cuts slow clients. */
  private onSlow(): void {
    if (this.state === State.Closed) return;
    this.handler.onSlow();
    this.terminate();
  }

  /** Ends our side and gives the client `closeTimeout` to end its own. */
  private finish(): void {
    this.socket.end();
    if (this.wheelSlot === -1 && !this.socket.destroyed) {
      this.options.wheel.schedule(this, Date.now() + this.options.closeTimeout);
    }
  }
}
