/**
 * What a case records while it runs against one server: every frame sent and received, close codes,
 * handshake outcomes and server API exchanges, in the order the script observed them.
 */
import type { DecodedPublication } from './delta-tracker.js';

/** A close as the client saw it: the WebSocket close code and reason. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * One observation. `at` is the label of the client connection it belongs to. `decoded` follows a
 * message that carried publications of a delta subscription: each one with its data rebuilt.
 */
export type Entry =
  | { at: string; send: unknown }
  | { at: string; sendRaw: string }
  | { at: string; recv: unknown }
  | { at: string; decoded: DecodedPublication }
  | { at: string; closed: CloseInfo }
  | { at: string; open: Record<string, unknown> }
  | { at: string; timeout: string }
  | { api: string; request: unknown; status: number; body: unknown };

/** The entries of one case run against one server. */
export type Transcript = Entry[];
