/**
 * Mounting of the streaming HTTP endpoints, each when enabled: bidirectional emulation
 * (`/connection/http_stream`, `/connection/sse`, and `/emulation` with either) and the
 * unidirectional `/connection/uni_sse` and `/connection/uni_http_stream`: refused with 503 while the node
 * stops, with 403 for an `Origin` outside `client.allowed_origins`; cross-origin browsers get the
 * CORS headers they need (the SDK sends these requests with `mode: 'cors'` and credentials).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayNode } from '../gateway/node.js';
import {
  EMULATION_PATH,
  HTTP_STREAM_PATH,
  SSE_PATH,
  StreamEndpoints,
} from '../gateway/streams/stream-endpoints.js';
import { UNI_HTTP_STREAM_PATH, UNI_SSE_PATH, UniEndpoints } from '../gateway/streams/uni-endpoints.js';
import { trustedProxiesOf } from './client-address.js';
import { writeJson } from './json-response.js';
import { originAllowed } from './origin.js';

export class StreamRoutes {
  private readonly endpoints: StreamEndpoints;
  private readonly uni: UniEndpoints;

  constructor(
    private readonly node: GatewayNode,
    private readonly draining: () => boolean,
  ) {
    this.endpoints = new StreamEndpoints(node);
    this.uni = new UniEndpoints(node, this.endpoints);
  }

  /** Whether `path` is one of the emulation endpoints this node serves. */
  serves(path: string): boolean {
    const {
      http_stream: httpStream,
      sse,
      uni_sse: uniSse,
      uni_http_stream: uniHttpStream,
    } = this.node.config;
    if (path === HTTP_STREAM_PATH) return httpStream.enabled;
    if (path === SSE_PATH) return sse.enabled;
    if (path === UNI_SSE_PATH) return uniSse.enabled;
    if (path === UNI_HTTP_STREAM_PATH) return uniHttpStream.enabled;
    return path === EMULATION_PATH && (httpStream.enabled || sse.enabled);
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const origin = req.headers.origin;
    if (!originAllowed(this.node.config.client.allowed_origins, origin)) {
      this.node.log.debug(
        { address: trustedProxiesOf(this.node.config).clientAddress(req), origin, path },
        'streaming request refused: origin not in client.allowed_origins',
      );
      writeJson(res, 403, '{"error":"forbidden: origin not allowed"}');
      return;
    }
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader(
        'Access-Control-Allow-Methods',
        path === SSE_PATH || path === UNI_SSE_PATH ? 'GET, POST, OPTIONS' : 'POST, OPTIONS',
      );
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
      res.setHeader('Access-Control-Max-Age', '300');
      res.writeHead(204).end();
      return;
    }
    if (this.draining() && path !== EMULATION_PATH) {
      writeJson(res, 503, '{"error":"unavailable: the node is stopping"}');
      return;
    }
    const run = this.route(req, res, path);
    run.catch((error: unknown) => {
      this.node.log.error({ err: error, path }, 'emulation endpoint failed');
      if (!res.headersSent) writeJson(res, 500, '{"error":"internal error"}');
      else res.destroy();
    });
  }

  private route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    switch (path) {
      case HTTP_STREAM_PATH:
        return this.endpoints.httpStream(req, res);
      case SSE_PATH:
        return this.endpoints.sse(req, res);
      case UNI_SSE_PATH:
        return this.uni.sse(req, res);
      case UNI_HTTP_STREAM_PATH:
        return this.uni.httpStream(req, res);
      default:
        return this.endpoints.emulation(req, res);
    }
  }
}
