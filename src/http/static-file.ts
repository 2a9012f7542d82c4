/** Serving a file held in memory (the admin UI's and the demo's pages, scripts and styles). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseHeaders } from './json-response.js';

/** A file's bytes and its content type. */
export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** Answers 200 with `file` (its type and length, after `headers`); a HEAD request gets no body. */
export function writeFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: StaticFile,
  headers: ResponseHeaders,
): void {
  res.writeHead(200, { ...headers, 'content-type': file.type, 'content-length': file.body.length });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}
