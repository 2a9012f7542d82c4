/**
 * The Protobuf form of the protocol (`centrifuge-protobuf` subprotocol) for the differential client,
 * through protobufjs loading our `client.proto` (test/protocol/protobuf-reference.ts): commands are
 * encoded as varint-length-delimited `Command`s, every binary server message is decoded into its
 * `Reply`s. Both directions are recorded in a JSON-comparable form: the JSON protocol's field names
 * (the proto's), only fields present on the wire, 64-bit values as numbers, and bytes as their
 * UTF-8 text when they are valid UTF-8, else as `{base64}`. A reply is wrapped as `{protobuf: reply}`
 * so the transcript shows which encoding it came in, and the normalizer and masks still find
 * `connect`, `epoch`, `time` and client ids inside it.
 */
import protobuf from 'protobufjs';
import { commandsMessage, type } from '../protocol/protobuf-reference.js';

type Json = Record<string, unknown>;

const ReplyType = type('Reply');

/** The pong: an empty `Command`, length-prefixed (a lone 0x00). */
export const PROTOBUF_PONG = Buffer.from([0]);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as recorded: their text when valid UTF-8, else `{base64}` (either maps back to the bytes). */
export function showBytes(bytes: Uint8Array): string | { base64: string } {
  try {
    return utf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}

/** The bytes a recorded value stands for: the inverse of {@link showBytes}. */
export function bytesOf(shown: unknown): Uint8Array {
  if (typeof shown === 'string') return Buffer.from(shown, 'utf8');
  if (typeof shown === 'object' && shown !== null && typeof (shown as Json)['base64'] === 'string') {
    return Buffer.from((shown as { base64: string }).base64, 'base64');
  }
  return new Uint8Array();
}

/** A value with every byte array replaced by {@link showBytes}, recursively. */
export function showAll(value: unknown): unknown {
  if (value instanceof Uint8Array) return showBytes(value);
  if (Array.isArray(value)) return value.map(showAll);
  if (typeof value === 'object' && value !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = showAll(v);
    return out;
  }
  return value;
}

/**
 * Commands (protobufjs' object form: bytes as Buffers, never strings, which protobufjs would read
 * as base64) as one length-delimited client message.
 */
export function encodeCommands(commands: readonly Json[]): Buffer {
  return commandsMessage(...commands);
}

/**
 * The replies of one binary server message, each as `{protobuf: reply}`. A message protobufjs
 * cannot decode is recorded once as `{protobufError, hex}` after the replies read before it.
 */
export function decodeReplies(frame: Uint8Array): unknown[] {
  const reader = protobuf.Reader.create(frame);
  const out: unknown[] = [];
  try {
    while (reader.pos < reader.len) {
      const reply = ReplyType.toObject(ReplyType.decodeDelimited(reader), {
        longs: Number,
        defaults: false,
        arrays: false,
        objects: false,
      });
      out.push({ protobuf: showAll(reply) });
    }
  } catch (err) {
    out.push({ protobufError: (err as Error).message, hex: Buffer.from(frame).toString('hex') });
  }
  return out;
}
