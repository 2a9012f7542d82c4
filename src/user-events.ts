/**
 * Composes cluster-wide user events (docs/user-events.md) for one node when `user_events.enabled`:
 * the node's user presence (registry → engine), the dispatcher (engine → backend through the two
 * named proxies) and their metrics. Used by `app.ts`.
 */
import type { Config } from './config/types.js';
import type { GatewayNode } from './gateway/node.js';
import { UserPresence } from './gateway/user-presence.js';
import type { Logger } from './log.js';
import type { NodeMetrics } from './metrics/node-metrics.js';
import { UserEventsMetrics } from './metrics/user-events-metrics.js';
import type { ProxyCaller } from './proxy/caller.js';
import { createProxyCaller } from './proxy/create-caller.js';
import { UserEventsDispatcher } from './proxy/user-events.js';

/** The running user events of a node. */
export interface UserEvents {
  readonly presence: UserPresence;
  readonly dispatcher: UserEventsDispatcher;
  /** The node's users leave the engine (with the debounce), delivery stops, the callers close. */
  stop(): Promise<void>;
}

/** Starts user events on `node`; undefined when `user_events.enabled` is false. */
export function startUserEvents(
  config: Config,
  node: GatewayNode,
  metrics: NodeMetrics | undefined,
  log: Logger,
): UserEvents | undefined {
  const settings = config.user_events;
  if (!settings.enabled) return undefined;
  const callers = new Map<string, ProxyCaller>();
  const caller = (name: string): ProxyCaller => {
    let found = callers.get(name);
    if (found === undefined) {
      // The config check guarantees the name is in `proxies`.
      const endpoint = config.proxies.find((p) => p.name === name)!;
      found = createProxyCaller(endpoint, name);
      callers.set(name, found);
    }
    return found;
  };
  const counted = metrics === undefined ? undefined : new UserEventsMetrics(metrics.registry);
  const presence = new UserPresence({
    node: node.uid,
    store: node.engine.userStatus,
    log,
    debounceMs: settings.offline_debounce,
    leaseTtlMs: settings.node_lease_ttl,
    sweepIntervalMs: settings.sweep_interval,
    onEmitted: counted === undefined ? undefined : (type, count) => counted.emitted(type, count),
  });
  const dispatcher = new UserEventsDispatcher({
    store: node.engine.userStatus,
    owner: node.uid,
    online: caller(settings.online_proxy_name),
    offline: caller(settings.offline_proxy_name),
    lockTtlMs: settings.node_lease_ttl,
    standbyIntervalMs: settings.sweep_interval,
    retryMaxMs: settings.retry_max_interval,
    log,
    metrics: counted,
  });
  node.connections.watchUsers(presence);
  presence.start();
  dispatcher.start();
  return {
    presence,
    dispatcher,
    async stop() {
      await Promise.all([presence.stop(), dispatcher.stop()]);
      await Promise.all([...callers.values()].map((c) => c.close()));
    },
  };
}
