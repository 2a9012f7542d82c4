/**
 * Deadlines that keep slow or silent HTTP clients (slowloris on the WebSocket upgrade) from holding
 * sockets: for `node:http` and `node:https` servers alike.
 */
import type { Server, ServerOptions } from 'node:http';
import { ErrorCode } from '../protocol/codes.js';

/** Longest a whole request (head and body) may take, ms; at least the header timeout. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks requests against those deadlines, at most, ms. */
const CHECK_INTERVAL_MS = 1_000;

/**
 * Options for `createServer`: a request head (the upgrade request included) must be complete within
 * `headerTimeout` ms of its first byte, and the deadlines are checked often enough to hold to within a
 * second. Node checks every 30 s by default, which would let a head take up to 40 s.
 */
export function slowClientOptions(headerTimeout: number): ServerOptions {
  return {
    headersTimeout: headerTimeout,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headerTimeout),
    connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, headerTimeout),
  };
}

/**
 * Destroys a socket that stays silent for `headerTimeout` ms before or between requests. The header
 * deadline starts at a request's first byte, so a socket that never sends one would otherwise stay
 * open for good. Upgraded sockets turn their own timeout off.
 */
export function cutSilentSockets(server: Server, headerTimeout: number): void {
  server.setTimeout(headerTimeout);
}

/**
 * The whole response to a request Node gave up on before any handler saw it (a request head it
 * cannot parse, an unknown method, a deadline): 408 when it ran out of time, else 400, with the
 * same JSON error body as the server API's refusals (code 107), and the connection closed.
 */
export function clientErrorResponse(error: Error & { code?: string }): string {
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = timeout ? '408 Request Timeout' : '400 Bad Request';
  const message = timeout ? 'request head not completed in time' : 'malformed HTTP request';
  const body = `{"error":{"code":${ErrorCode.BadRequest},"message":"bad request: ${message}"}}`;
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
}
