/** The node as a connection sees it: settings, shared timers, metrics, and the ports it reports to. */
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { CommandContext } from './commands/context.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { FlushScheduler } from './flush-scheduler.js';
import type { MetricsPort } from './metrics-port.js';
import type { SubscriptionLifecycle } from './subscriptions/lifecycle.js';
import type { TimerWheel } from './timer-wheel.js';

/** What a connection needs from the node that holds it. */
export interface ConnectionHost {
  readonly config: Config;
  readonly log: Logger;
  readonly wheel: TimerWheel;
  readonly flusher: FlushScheduler;
  /** Where commands and disconnects are counted; undefined without metrics. */
  readonly metrics: MetricsPort | undefined;
  readonly connections: ConnectionRegistry;
  readonly subscriptions: SubscriptionLifecycle;
  /** The ports the commands run with. */
  readonly commands: CommandContext;
  /** Request headers the proxies forward (`http_headers`, lower-case); undefined: keep none. */
  readonly forwardedHeaderNames: ReadonlySet<string> | undefined;
}
