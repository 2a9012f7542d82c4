/**
 * The body of `POST /emulation`, Centrifugo's `EmulationRequest`: which node and session the
 * commands are for, and the commands themselves. JSON: `{"node","session","data"}` with `data` the
 * commands' JSON text as a string; Protobuf (`Content-Type: application/octet-stream`): the message
 * with `data` the length-delimited commands. Decoding never throws.
 */
import { ProtobufDecodeError, WireReader } from './protobuf/wire.js';

export interface EmulationRequest {
  node: string;
  session: string;
  /** The commands, in the session's encoding. */
  data: Buffer;
}

/** The request, or a reason it is malformed. */
export function decodeEmulationRequest(body: Buffer, protobuf: boolean): EmulationRequest | string {
  return protobuf ? decodeProtobuf(body) : decodeJson(body);
}

function decodeJson(body: Buffer): EmulationRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(body.toString());
  } catch {
    return 'body is not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'body is not a JSON object';
  const { node, session, data } = value as Record<string, unknown>;
  if (typeof node !== 'string' || typeof session !== 'string' || typeof data !== 'string') {
    return '"node", "session" and "data" must be strings';
  }
  return { node, session, data: Buffer.from(data) };
}

function decodeProtobuf(body: Buffer): EmulationRequest | string {
  const reader = new WireReader(body);
  const out: EmulationRequest = { node: '', session: '', data: Buffer.alloc(0) };
  try {
    while (reader.pos < body.length) {
      const [field, wireType] = reader.tag(body.length);
      if (field === 1) out.node = reader.string(wireType, body.length, 'node');
      else if (field === 2) out.session = reader.string(wireType, body.length, 'session');
      else if (field === 3) {
        const bytes = reader.bytes(wireType, body.length, 'data');
        out.data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } else reader.skip(wireType, field, body.length);
    }
  } catch (error) {
    return error instanceof ProtobufDecodeError ? error.message : 'malformed Protobuf';
  }
  return out;
}
