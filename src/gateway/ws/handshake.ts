/**
 * The server side of the RFC 6455 opening handshake, answered on the HTTP server's `upgrade` event
 * without extensions (no permessage-deflate).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** 16 random bytes in base64. */
const KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export type HandshakeResult =
  | { ok: true; response: string }
  | { ok: false; status: string; headers?: string };

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
  // Like `ws` without a protocol handler: the first offered subprotocol is accepted, so browsers
  // that offer one still connect.
  const offered = req.headers['sec-websocket-protocol'];
  if (offered !== undefined) {
    const first = offered.split(',', 1)[0]!.trim();
    if (!TOKEN.test(first)) return { ok: false, status: '400 Bad Request' };
    response += `Sec-WebSocket-Protocol: ${first}\r\n`;
  }
  return { ok: true, response: response + '\r\n' };
}
