/**
 * The server side of the RFC 6455 opening handshake, answered on the HTTP server's `upgrade` event
 * without extensions (no permessage-deflate), and the choice of subprotocol shared with the `ws`
 * transport.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** 16 random bytes in base64. */
const KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The subprotocol of the Centrifugo JSON protocol, the one Switchboard speaks. */
export const JSON_SUBPROTOCOL = 'centrifuge-json';
/** The subprotocol of the Centrifugo protobuf protocol, which Switchboard does not speak. */
export const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';

export type HandshakeResult =
  | { ok: true; response: string; protocol: string | undefined }
  | { ok: false; status: string; headers?: string };

/**
 * The subprotocol to answer among the offered ones: `centrifuge-json` when offered; else
 * `centrifuge-protobuf` when offered, so that the handshake succeeds and the connection can be
 * closed with 3506 (`inappropriate protocol`), which tells the SDK not to reconnect and says why;
 * else none. An unknown subprotocol is never selected, as Centrifugo does: the client then fails the
 * handshake instead of speaking a protocol the server does not know.
 */
export function selectSubprotocol(offered: Iterable<string>): string | undefined {
  let protobuf = false;
  for (const protocol of offered) {
    if (protocol === JSON_SUBPROTOCOL) return protocol;
    if (protocol === PROTOBUF_SUBPROTOCOL) protobuf = true;
  }
  return protobuf ? PROTOBUF_SUBPROTOCOL : undefined;
}

/**
 * Whether the request asks for the protobuf protocol, by subprotocol or by the query parameters
 * Centrifugo also reads (`format=protobuf`, `cf_protocol=protobuf`).
 */
export function wantsProtobuf(url: string | undefined, protocol: string | undefined): boolean {
  if (protocol === PROTOBUF_SUBPROTOCOL) return true;
  const query = url?.indexOf('?') ?? -1;
  if (query === -1) return false;
  const params = new URLSearchParams(url!.slice(query + 1));
  return params.get('format') === 'protobuf' || params.get('cf_protocol') === 'protobuf';
}

/** The offered subprotocols, or null when the header is malformed (answered 400, as `ws` does). */
function offeredSubprotocols(header: string): string[] | null {
  const offered = header.split(',').map((p) => p.trim());
  return offered.every((p) => TOKEN.test(p)) ? offered : null;
}

/** `Sec-WebSocket-Accept` for a client key. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** Checks an upgrade request; on success gives the 101 response to write. */
export function answerHandshake(req: IncomingMessage): HandshakeResult {
  if (req.method !== 'GET') return { ok: false, status: '405 Method Not Allowed', headers: 'Allow: GET\r\n' };
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket')
    return { ok: false, status: '400 Bad Request' };
  const connection = req.headers.connection;
  if (connection === undefined || !connection.split(',').some((t) => t.trim().toLowerCase() === 'upgrade')) {
    return { ok: false, status: '400 Bad Request' };
  }
  if (req.headers['sec-websocket-version'] !== '13') {
    return { ok: false, status: '426 Upgrade Required', headers: 'Sec-WebSocket-Version: 13\r\n' };
  }
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key.trim())) return { ok: false, status: '400 Bad Request' };
  let response =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key.trim())}\r\n`;
  const header = req.headers['sec-websocket-protocol'];
  let protocol: string | undefined;
  if (header !== undefined) {
    const offered = offeredSubprotocols(header);
    if (offered === null) return { ok: false, status: '400 Bad Request' };
    protocol = selectSubprotocol(offered);
    if (protocol !== undefined) response += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  }
  return { ok: true, response: response + '\r\n', protocol };
}
