/** A request body read whole, up to a limit: the connect request of a stream, an emulation request. */
import type { IncomingMessage } from 'node:http';

/** The body, or `too-large` past `limit` bytes (the rest is drained, unbuffered), or `aborted`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', () => resolve('aborted'));
    req.once('aborted', () => resolve('aborted'));
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
  });
}
