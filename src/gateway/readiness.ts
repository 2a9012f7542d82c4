/**
 * `GET /ready`: whether a load balancer or an orchestrator should send new clients to this node.
 * 200 while the node accepts connections and its engine is reachable; 503 with the reason while it
 * drains (stopping) or while the engine (Redis) is unreachable. `/health` (liveness) stays 200.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayNode } from './node.js';

export const READY_PATH = '/ready';

/** Why the node is not ready, or undefined when it is. */
export function notReadyReason(node: GatewayNode, draining: boolean): string | undefined {
  if (draining) return 'draining';
  if (!node.engine.reachable()) return 'engine unreachable';
  return undefined;
}

export function answerReady(res: ServerResponse, node: GatewayNode, draining: boolean): void {
  const reason = notReadyReason(node, draining);
  const body = reason === undefined ? '{"status":"ready"}' : JSON.stringify({ status: 'not ready', reason });
  res.writeHead(reason === undefined ? 200 : 503, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
