/**
 * The JSON protocol of Centrifugo's unidirectional transports (uni_websocket, uni_sse,
 * uni_http_stream), for clients without an SDK: the client sends one thing, its connect request
 * (`{"token":…,"subs":…}`, no command around it), and receives pushes only, each a bare `Push`
 * object (`{"channel":"news","pub":{…}}`, `{"connect":{…}}` for the connect result,
 * `{"disconnect":{…}}` at the end), the ping an empty object that needs no answer.
 */
import type { DisconnectCode } from '../codes.js';
import { DisconnectCode as Code, ErrorCode } from '../codes.js';
import type { Encoding, ReplyMethod, ReplyResults } from '../encoding.js';
import type { DecodeResult } from '../frame-items.js';
import type { ProtocolError } from '../types.js';
import { encodeResult } from './encode.js';
import { jsonEncoding } from './index.js';

/** `{"push":` before, `}` after: a bidirectional push without its envelope is a unidirectional one. */
const ENVELOPE_START = '{"push":'.length;

function bare(frame: Buffer): Buffer {
  return frame.subarray(ENVELOPE_START, frame.length - 1);
}

/** The connect request as the connect command the session runs. */
function decode(data: Buffer): DecodeResult {
  const text = data.toString().trim();
  if (text === '')
    return { ok: true, items: [{ kind: 'command', command: { id: 1, method: 'connect', params: {} } }] };
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'connect request is not JSON' };
  }
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, reason: 'connect request must be a JSON object' };
  }
  return {
    ok: true,
    items: [
      { kind: 'command', command: { id: 1, method: 'connect', params: params as Record<string, unknown> } },
    ],
  };
}

/**
 * How a failed connect ends a unidirectional session, which has no replies (Centrifugo's
 * `extractUnidirectionalDisconnect`): expiry, rate limit and permission errors by their
 * disconnect codes, anything else as a server error.
 */
export function uniConnectDisconnect(error: ProtocolError): DisconnectCode {
  switch (error.code) {
    case ErrorCode.TokenExpired:
    case ErrorCode.Expired:
      return Code.Expired;
    case ErrorCode.TooManyRequests:
      return Code.TooManyRequests;
    case ErrorCode.PermissionDenied:
      return Code.PermissionDenied;
    default:
      return Code.ServerError;
  }
}

export const uniJsonEncoding: Encoding = {
  ...jsonEncoding,
  name: 'json',
  slot: 2,
  unidirectional: true,
  decode,
  reply: <M extends ReplyMethod>(_id: number, method: M, result: ReplyResults[M]) =>
    Buffer.from('{"' + method + '":' + encodeResult(method, result) + '}'),
  // Never queued: a failed connect closes the session (see `uniConnectDisconnect`).
  errorReply: (_id: number, error: ProtocolError) => Buffer.from('{"error":' + JSON.stringify(error) + '}'),
  publicationPush: (channel, pub, epoch) => bare(jsonEncoding.publicationPush(channel, pub, epoch)),
  deltaPublicationPush: (channel, pub, epoch) => bare(jsonEncoding.publicationPush(channel, pub, epoch)),
  joinPush: (channel, info) => bare(jsonEncoding.joinPush(channel, info)),
  leavePush: (channel, info) => bare(jsonEncoding.leavePush(channel, info)),
  unsubscribePush: (channel, code, reason) => bare(jsonEncoding.unsubscribePush(channel, code, reason)),
  subscribePush: (channel, result) => bare(jsonEncoding.subscribePush(channel, result)),
  messagePush: (data) => bare(jsonEncoding.messagePush(data)),
  refreshPush: (push) => bare(jsonEncoding.refreshPush(push)),
  disconnectPush: (code, reason) => bare(jsonEncoding.disconnectPush(code, reason)),
};
