/**
 * A proxy request as JSON: plain values as `JSON.stringify` writes them, and a `Buffer` field —
 * JSON text already (a publication's data, connection meta) — spliced in as it is, so the backend
 * gets the client's value and not a string or a byte array. Undefined fields are left out.
 */
import type { ProxyRequest } from '../caller.js';

export function encodeRequestJson(request: ProxyRequest): string {
  let out = '{';
  let first = true;
  for (const key of Object.keys(request)) {
    const value = request[key];
    if (value === undefined) continue;
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value);
    if (text === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + text;
    first = false;
  }
  return out + '}';
}
