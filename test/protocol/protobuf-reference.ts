/**
 * An independent Protobuf codec for the tests: protobufjs (installed with the `centrifuge` SDK)
 * loading our `client.proto`. It encodes the commands our decoder reads and decodes the frames our
 * encoder writes, so the tests compare against another implementation, not against themselves.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

// keepCase: the wire names (`conn_info`), which are also the JSON protocol's.
const root = new protobuf.Root().loadSync(
  fileURLToPath(new URL('../../src/protocol/protobuf/client.proto', import.meta.url)),
  { keepCase: true },
);

/** A message type of the protocol, by its name in `client.proto`. */
export function type(name: string): protobuf.Type {
  return root.lookupType(`centrifugal.centrifuge.protocol.${name}`);
}

const CommandType = type('Command');
const ReplyType = type('Reply');

type Json = Record<string, unknown>;

/** Commands (plain objects in protobufjs' JSON-ish form) as one length-delimited client message. */
export function commandsMessage(...commands: Json[]): Buffer {
  const writer = protobuf.Writer.create();
  for (const command of commands) {
    const problem = CommandType.verify(command);
    if (problem !== null) throw new Error(`bad test command: ${problem}`);
    CommandType.encodeDelimited(CommandType.fromObject(command), writer);
  }
  return Buffer.from(writer.finish());
}

/** A 64-bit value protobufjs accepts, from its decimal text (beyond what a number holds exactly). */
export function long(decimal: string, unsigned: boolean): protobuf.Long {
  return protobuf.util.LongBits.from(decimal).toLong(unsigned);
}

/** One message of any protocol type, without a length prefix. */
export function encodeMessage(name: string, value: Json): Buffer {
  const t = type(name);
  return Buffer.from(t.encode(t.fromObject(value)).finish());
}

/** A Reply as protobufjs frames it (length-delimited), to compare bytes with ours. */
export function replyFrame(reply: Json): Buffer {
  const problem = ReplyType.verify(reply);
  if (problem !== null) throw new Error(`bad test reply: ${problem}`);
  return Buffer.from(ReplyType.encodeDelimited(ReplyType.fromObject(reply)).finish());
}

/** Bytes fields become their text (all of ours hold JSON text or UTF-8), for readable asserts. */
function bytesAsText(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return value.map(bytesAsText);
  if (typeof value === 'object' && value !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = bytesAsText(v);
    return out;
  }
  return value;
}

/**
 * The replies of one server message, decoded by protobufjs. Only fields present on the wire appear
 * (`defaults: false`), so a test sees exactly what was written; bytes appear as UTF-8 text.
 */
export function decodeReplies(frame: Uint8Array): Json[] {
  const reader = protobuf.Reader.create(frame);
  const replies: Json[] = [];
  while (reader.pos < reader.len) {
    const message = ReplyType.decodeDelimited(reader);
    const object = ReplyType.toObject(message, {
      longs: Number,
      defaults: false,
      arrays: false,
      objects: false,
    });
    replies.push(bytesAsText(object) as Json);
  }
  return replies;
}

/** The single reply of a frame. */
export function decodeReply(frame: Uint8Array): Json {
  const replies = decodeReplies(frame);
  if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`);
  return replies[0]!;
}
