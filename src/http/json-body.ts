/** Reading a JSON request body with a size limit: shared by the server API, the admin UI and the demo. */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/**
 * The request body parsed as JSON, `{}` when empty. Refuses a declared or actual size past `limit`
 * bytes without buffering the rest (which is drained, so an answer can still be sent): an
 * {@link HttpError} 413, or 400 when the body is not JSON (without an error code: each caller
 * answers in its own shape).
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, `payload too large: body limit is ${limit} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      if (text.trim() === '') {
        resolve({});
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'bad request: body is not valid JSON'));
      }
    });
  });
}
