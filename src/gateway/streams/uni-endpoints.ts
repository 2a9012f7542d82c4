/**
 * Centrifugo's unidirectional HTTP transports, for clients without an SDK (a browser
 * `EventSource`, `fetch`, `curl -N`): the connect request (`{"token":…,"subs":…}`) in the URL or
 * the body, pushes only in return (see `protocol/json/uni.ts`), JSON only. The session subscribes
 * server-side only (token `channels`, the personal channel, `subs` with recovery positions, the
 * server API's `subscribe`).
 *
 * - `GET /connection/uni_sse?cf_connect=<request>` or `POST` with the request as the body: one SSE
 *   event per push.
 * - `POST /connection/uni_http_stream` with the request as the body: one JSON push per line.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { uniJsonEncoding } from '../../protocol/json/uni.js';
import type { GatewayNode } from '../node.js';
import { readBody } from './read-body.js';
import type { StreamEndpoints } from './stream-endpoints.js';

export const UNI_SSE_PATH = '/connection/uni_sse';
export const UNI_HTTP_STREAM_PATH = '/connection/uni_http_stream';

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message);
}

export class UniEndpoints {
  constructor(
    private readonly node: GatewayNode,
    private readonly streams: StreamEndpoints,
  ) {}

  async sse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const limit = this.node.config.uni_sse.max_request_body_size;
    let request: Buffer;
    if (req.method === 'GET') {
      const param = new URL(req.url ?? '/', 'http://localhost').searchParams.get('cf_connect') ?? '';
      request = Buffer.from(param);
      if (request.length > limit) {
        refuse(res, 413, 'connect request too large');
        return;
      }
    } else if (req.method === 'POST') {
      const body = await this.body(req, res, limit);
      if (body === undefined) return;
      request = body;
    } else {
      refuse(res, 405, 'method not allowed: GET or POST');
      return;
    }
    if (!this.valid(request, res)) return;
    const headers = { 'Content-Type': 'text/event-stream; charset=utf-8' };
    this.streams.open(req, res, 'sse', uniJsonEncoding, request, headers, false);
  }

  async httpStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      refuse(res, 405, 'method not allowed: POST the connect request');
      return;
    }
    const body = await this.body(req, res, this.node.config.uni_http_stream.max_request_body_size);
    if (body === undefined || !this.valid(body, res)) return;
    const headers = { 'Content-Type': 'application/json' };
    this.streams.open(req, res, 'http_stream', uniJsonEncoding, body, headers, false);
  }

  private async body(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer | undefined> {
    const body = await readBody(req, limit);
    if (typeof body !== 'string') return body;
    refuse(res, body === 'too-large' ? 413 : 400, `bad request: body ${body}`);
    return undefined;
  }

  /** A malformed connect request is refused with 400 before any stream opens, as Centrifugo does. */
  private valid(request: Buffer, res: ServerResponse): boolean {
    const decoded = uniJsonEncoding.decode(request, false);
    if (decoded.ok) return true;
    refuse(res, 400, `bad request: ${decoded.reason}`);
    return false;
  }
}
