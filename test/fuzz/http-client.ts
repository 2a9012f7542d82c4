/**
 * Raw HTTP requests over kept-alive sockets: any method, any headers (or none), any body bytes, and a
 * bounded wait. Fuzz cases send thousands of them; `fetch` would add its own headers and a body type.
 */
import { Agent, request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request; rejects when no complete response arrives within `timeoutMs`. */
export function rawRequest(port: number, req: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    const timer = setTimeout(() => {
      r.destroy();
      reject(new Error(`no response to ${req.method} ${req.path} within ${timeoutMs} ms`));
    }, timeoutMs);
    r.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    r.end(req.body);
  });
}

/** Closes the kept-alive sockets so a stopping node is not held open. */
export function closeIdleSockets(): void {
  agent.destroy();
}
