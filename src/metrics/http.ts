/** `GET /metrics`: the Prometheus text exposition of the node and its process. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeMetrics } from './node-metrics.js';

export const METRICS_PATH = '/metrics';

export function serveMetrics(metrics: NodeMetrics, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    res.end('method not allowed: use GET\n');
    return;
  }
  metrics.scrape().then(
    (body) => {
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  );
}
