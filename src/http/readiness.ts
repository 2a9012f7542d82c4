/**
 * `GET /ready`: whether a load balancer or an orchestrator should send new clients to this node.
 * 200 while the node accepts connections and its engine is reachable; 503 with the reason while it
 * drains (stopping) or while the engine (Redis) is unreachable. `/health` (liveness) stays 200.
 */
import type { ServerResponse } from 'node:http';
import { writeJson } from './json-response.js';

/** The path of the readiness check. */
export const READY_PATH = '/ready';

/** What readiness reads from the node: whether its engine is reachable. */
export interface ReadinessSource {
  readonly engine: { reachable(): boolean };
  /** More reasons not to be ready (a consumer that cannot reach its queue); each answers one or none. */
  readonly readinessChecks?: ReadonlyArray<() => string | undefined>;
}

/** Why the node is not ready, or undefined when it is. */
export function notReadyReason(node: ReadinessSource, draining: boolean): string | undefined {
  if (draining) return 'draining';
  if (!node.engine.reachable()) return 'engine unreachable';
  for (const check of node.readinessChecks ?? []) {
    const reason = check();
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** Answers `/ready`: 200 `{"status":"ready"}`, or 503 with the reason; never cached. */
export function answerReady(res: ServerResponse, node: ReadinessSource, draining: boolean): void {
  const reason = notReadyReason(node, draining);
  const body = reason === undefined ? '{"status":"ready"}' : JSON.stringify({ status: 'not ready', reason });
  writeJson(res, reason === undefined ? 200 : 503, body, { 'cache-control': 'no-store' });
}
