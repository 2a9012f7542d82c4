/**
 * What every proxy request carries (Centrifugo's `client`, `transport`, `protocol`, `encoding`,
 * and `user` and `meta` after connect), the payload fields (`data` or `b64data`), and the headers
 * forwarded with it: `http_headers` from the request that opened the connection, `emulated_headers`
 * from the connect command (client-controlled, so only where listed there), the transport's
 * value winning where a name is in both — the rules of Centrifugo v6.9's security fix.
 */
import { isUtf8 } from 'node:buffer';
import type { ProxyEndpointConfig } from '../config/proxy-schema.js';
import type { ProxyPayload } from '../gateway/proxy-port.js';
import type { Session } from '../gateway/session.js';
import type { ProxyHeaders, ProxyRequest } from './caller.js';

/** `client`, `transport`, `protocol`, `encoding`, and `user` unless `withUser` is false (connect). */
export function baseRequest(session: Session, config: ProxyEndpointConfig, withUser = true): ProxyRequest {
  const request: ProxyRequest = {
    client: session.id,
    transport: session.transportName,
    protocol: session.encoding.binary ? 'protobuf' : 'json',
    encoding: config.binary_encoding ? 'binary' : 'json',
  };
  if (withUser) request['user'] = session.user;
  if (withUser && config.include_connection_meta && session.meta !== undefined) {
    request['meta'] = Buffer.from(session.meta, 'utf8');
  }
  return request;
}

/** Whether bytes are a JSON document (so they can go as `data`, not `b64data`). */
function isJsonBytes(bytes: Buffer): boolean {
  if (!isUtf8(bytes)) return false;
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts a payload in `data` (JSON text) or, with `binary_encoding` or for bytes that are not JSON,
 * in `b64data`, so the backend always gets a body it can parse.
 */
export function putPayload(
  request: ProxyRequest,
  payload: ProxyPayload | undefined,
  config: ProxyEndpointConfig,
): void {
  if (payload === undefined) return;
  if (config.binary_encoding) {
    request['b64data'] =
      payload.binary === true ? payload.data : Buffer.from(payload.data, 'utf8').toString('base64');
    return;
  }
  if (payload.binary !== true) {
    request['data'] = Buffer.from(payload.data, 'utf8');
    return;
  }
  const bytes = Buffer.from(payload.data, 'base64');
  if (isJsonBytes(bytes)) request['data'] = bytes;
  else request['b64data'] = payload.data;
}

/** The headers (or gRPC metadata) a call to this endpoint forwards for the session. */
export function forwardedHeaders(session: Session, config: ProxyEndpointConfig): ProxyHeaders {
  const headers: ProxyHeaders = {};
  const emulated = session.emulatedHeaders;
  if (emulated !== undefined) {
    for (const name of config.emulated_headers) {
      const value = emulated[name.toLowerCase()];
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
  }
  const transport = session.forwardedHeaders;
  if (transport !== undefined) {
    for (const name of config.http_headers) {
      const value = transport[name.toLowerCase()];
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
  }
  return headers;
}
