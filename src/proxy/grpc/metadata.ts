/**
 * The metadata of one proxy call: the endpoint's `grpc.static_metadata`, then the call's headers
 * (forwarded client headers override static entries, as in Centrifugo's requestMetadata), then
 * the `grpc.credentials_key`/`credentials_value` pair, last so that no forwarded header can
 * replace the credentials.
 *
 * gRPC metadata is narrower than HTTP headers. An entry that cannot be sent is left out rather
 * than failing the call: a name outside `[0-9a-z_.-]`, one the transport owns (`grpc-*`,
 * `content-type`, `te`, `user-agent`, HTTP/1 connection headers), a value outside printable
 * ASCII. A `-bin` name's value is sent as its UTF-8 bytes.
 */
import { Metadata } from '@grpc/grpc-js';
import type { ProxyHeaders } from '../caller.js';

/** Names set by grpc-js or HTTP/2 itself, or forbidden in HTTP/2 requests. */
const RESERVED = new Set([
  'content-type',
  'te',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

const LEGAL_NAME = /^[0-9a-z_.-]+$/;
const LEGAL_TEXT = /^[ -~]*$/;

/** Whether `name: value` can travel as metadata. */
function sendable(name: string, value: string): boolean {
  if (!LEGAL_NAME.test(name) || name.startsWith('grpc-') || RESERVED.has(name)) return false;
  return name.endsWith('-bin') || LEGAL_TEXT.test(value);
}

/** What one endpoint adds to every call. */
export interface EndpointMetadata {
  staticMetadata: Readonly<Record<string, string>>;
  /** `[key, value]` when `grpc.credentials_key` is set. */
  credentials?: readonly [key: string, value: string];
}

/** The metadata of one call, and every value given for it, sent or not (to keep out of error messages). */
export function callMetadata(
  endpoint: EndpointMetadata,
  headers: ProxyHeaders,
): { metadata: Metadata; values: string[] } {
  const entries = new Map<string, string>();
  const values: string[] = [];
  const add = (name: string, value: string): void => {
    values.push(value);
    const key = name.toLowerCase();
    if (sendable(key, value)) entries.set(key, value);
  };
  for (const [name, value] of Object.entries(endpoint.staticMetadata)) add(name, value);
  for (const [name, value] of Object.entries(headers)) add(name, value);
  if (endpoint.credentials !== undefined) add(endpoint.credentials[0], endpoint.credentials[1]);
  const metadata = new Metadata();
  for (const [key, value] of entries) {
    metadata.set(key, key.endsWith('-bin') ? Buffer.from(value) : value);
  }
  return { metadata, values };
}
