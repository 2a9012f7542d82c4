/** Writing a JSON response: the one writer behind every JSON answer of the node's HTTP server. */
import type { ServerResponse } from 'node:http';

/** Extra response headers, such as `cache-control` or the admin UI's security headers. */
export type ResponseHeaders = Record<string, string | number>;

/**
 * Answers `status` with `body` (JSON text) as `application/json` with its length, after `headers`.
 * Does nothing when the response has already started.
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers?: ResponseHeaders,
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
