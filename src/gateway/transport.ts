/**
 * What a Connection needs from the byte stream that carries its session: implemented by the
 * WebSocket transports (the lean built-in one, an adapter over the `ws` package, the
 * unidirectional wrapper, in `ws/`) and by the streaming HTTP response (`streams/`).
 */

/** Receives a transport's events; a Connection implements it, so no closure is made per connection. */
export interface TransportHandler {
  /** One complete message: text frames are already checked to be UTF-8. */
  onMessage(data: Buffer, isBinary: boolean): void;
  /** The socket is gone or closing; called at least once, maybe more (handlers are idempotent). */
  onClose(): void;
  /**
   * The transport's own frames (pongs) would take the socket's unsent bytes past the outbound limit:
   * the client does not read. The transport destroys the socket right after this returns.
   */
  onSlow(): void;
}

import type { Framer } from './shared-wire.js';

export interface Transport {
  /**
   * The transport's name as Centrifugo names it to proxies: `websocket` when absent, `http_stream`,
   * `sse`, `uni_websocket`, `uni_sse`, `uni_http_stream`.
   */
  readonly name?: string;
  /**
   * The session id of an emulated bidirectional transport (HTTP streaming, SSE), whose commands
   * come through `/emulation` naming it; the connect reply gives it to the client. None for WebSocket.
   */
  readonly session?: string;
  /** Open: sending is possible and no close frame has been sent or received. */
  readonly isOpen: boolean;
  /** Bytes written but not yet flushed to the kernel. */
  readonly bufferedAmount: number;
  /** Starts delivering events to `handler`. Called once, right after construction. */
  attach(handler: TransportHandler): void;
  /** Sends one message, a binary frame when `binary` (the session's encoding says), else text. Ignored unless open. */
  send(payload: Buffer, binary: boolean): void;
  /**
   * How this transport frames a payload, for transports that can write bytes framed for them
   * ({@link writeWire}); the same framer object for every transport framing alike, so connections
   * of a flush with the same queue share the bytes. Absent: every flush goes through {@link send}.
   */
  readonly framer?: Framer;
  /** Writes bytes `framer` made (from this or another connection's identical queue). Ignored unless open. */
  writeWire?(wire: Buffer): void;
  /** Sends a close frame (reason at most 123 bytes) and ends the socket. */
  close(code: number, reason: string): void;
  /** Destroys the socket at once. */
  terminate(): void;
}

/** A handler for transports nobody listens to (e.g. refused over the connection limit). */
export const IGNORE_EVENTS: TransportHandler = {
  onMessage() {},
  onClose() {},
  onSlow() {},
};
