/**
 * What the gateway reports to metrics, and nothing more: the node, its connections and the
 * subscribe routine call these on their events. `metrics/node-metrics.ts` implements it for
 * Prometheus; the composition root (`app.ts`) hands it to the node. Counting is a Map lookup and an
 * addition, so the hot path may call it per command.
 */
import type { DisconnectCode } from '../protocol/codes.js';

/** The gateway's events that metrics count. */
export interface MetricsPort {
  /** A client command completed. */
  commandOk(method: string): void;
  /** A client command ended with this result: an error code (as a string) or `disconnect`. */
  commandResult(method: string, result: string): void;
  /** A client command threw: counted by the code its reply or disconnect carries. */
  commandFailed(method: string, error: unknown): void;
  /** The server closed a connection with this code. */
  disconnect(code: DisconnectCode): void;
  /** A subscription asked to recover and did or did not get every missed publication. */
  recovery(recovered: boolean): void;
}
