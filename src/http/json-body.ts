/** Reading a JSON request body with a size limit: shared by the server API, the admin UI and the demo. */
import type { IncomingMessage } from 'node:http';

/** Why a body was refused: 413 past the limit, 400 when it is not JSON. */
export class BodyError extends Error {
  constructor(
    readonly status: 413 | 400,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request body parsed as JSON, `{}` when empty. Refuses a declared or actual size past `limit`
 * bytes without buffering the rest (which is drained, so an answer can still be sent).
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new BodyError(413, `payload too large: body limit is ${limit} bytes`);
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
        reject(new BodyError(400, 'bad request: body is not valid JSON'));
      }
    });
  });
}
