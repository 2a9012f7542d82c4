/**
 * Which module answers a request of the node's HTTP server, by path: `/health`, `/ready`, the
 * server API under `/api/`, the admin UI under `/admin` (when `admin.enabled`), the demo at `/` and
 * `/demo/`, `/metrics` (when the node has metrics), the emulation endpoints (when enabled, see
 * `stream-routes.ts`); 426 on the WebSocket path without an upgrade,
 * 404 for anything else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminHttp } from '../admin/admin-http.js';
import { HttpApi } from '../api/http-api.js';
import { handleDemoRequest, isDemoPath } from '../demo/routes.js';
import type { GatewayNode } from '../gateway/node.js';
import { WEBSOCKET_PATH } from '../gateway/ws/websocket-endpoint.js';
import { METRICS_PATH, serveMetrics } from '../metrics/http.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { Tracing } from '../tracing/tracing.js';
import { trustedProxiesOf } from './client-address.js';
import { writeJson } from './json-response.js';
import { answerReady, READY_PATH } from './readiness.js';
import { StreamRoutes } from './stream-routes.js';

/** The request path without its query string. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0]!;
}

/** The node's HTTP routes (every request but WebSocket upgrades). */
export class HttpRoutes {
  private readonly api: HttpApi;
  /** The admin web UI, when `admin.enabled`. */
  private readonly admin: AdminHttp | undefined;
  /** HTTP streaming, SSE and `/emulation`, when enabled. */
  private readonly streams: StreamRoutes;

  /**
   * @param draining whether the node is stopping (`/ready` answers 503).
   * @param metrics the node's metrics, served at `/metrics` and counting server API requests.
   */
  constructor(
    private readonly node: GatewayNode,
    private readonly draining: () => boolean,
    private readonly metrics: NodeMetrics | undefined,
    /** Spans of server API calls, when the node traces. */
    tracing?: Tracing,
  ) {
    this.api = new HttpApi(node, metrics, tracing, trustedProxiesOf(node.config));
    this.admin = node.config.admin.enabled ? new AdminHttp(node) : undefined;
    this.streams = new StreamRoutes(node, draining);
  }

  /**
   * Answers one request. With `unmatched`, a path the node does not serve goes to it instead of the
   * 404, and so does `/` while the demo is off (an embedded node leaves them to its application).
   */
  handle(req: IncomingMessage, res: ServerResponse, unmatched?: () => void): void {
    const path = requestPath(req);
    if (path === '/health') {
      writeJson(res, 200, '{"status":"ok"}');
    } else if (path === READY_PATH) {
      answerReady(res, this.node, this.draining());
    } else if (path === '/api' || path.startsWith('/api/')) {
      void this.api.handle(req, res, path);
    } else if (this.admin !== undefined && (path === '/admin' || path.startsWith('/admin/'))) {
      void this.admin.handle(req, res, path);
    } else if (isDemoPath(path) && (unmatched === undefined || this.node.config.demo.enabled)) {
      void handleDemoRequest(this.node, req, res);
    } else if (path === METRICS_PATH && this.metrics !== undefined) {
      serveMetrics(this.metrics, req, res);
    } else if (this.streams.serves(path)) {
      this.streams.handle(req, res, path);
    } else if (path === WEBSOCKET_PATH) {
      writeJson(res, 426, '{"error":"upgrade required: connect with WebSocket"}');
    } else if (unmatched !== undefined) {
      unmatched();
    } else {
      writeJson(res, 404, '{"error":"not found"}');
    }
  }
}
