/**
 * Process figures (CPU, memory, heap, GC, event-loop lag, handles) from prom-client's default
 * metrics, prefixed `switchboard_`. They describe the process, not a node, so one registry serves
 * every node in it: collecting them twice would start a second set of GC and event-loop observers.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRIC_PREFIX } from './names.js';

let shared: Registry | undefined;

export function processRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: METRIC_PREFIX });
  }
  return shared;
}
