/**
 * What an inbound message decodes into, whatever its encoding: pongs, commands, and commands of a
 * method this server does not know. Decoding never throws on bad input from a client: it returns a
 * typed failure the connection turns into the proper disconnect.
 */
import type { Command } from './types.js';

/** One item of a decoded message. */
export type FrameItem =
  /** An empty command: the client's answer to a server ping. */
  | { kind: 'pong' }
  | { kind: 'command'; command: Command }
  /** A well-formed command whose method this server does not know. */
  | { kind: 'unknown'; id: number };

export type DecodeResult = { ok: true; items: FrameItem[] } | { ok: false; reason: string };

/** Most commands accepted in one message; more is a bad request. */
export const MAX_COMMANDS_PER_FRAME = 256;
