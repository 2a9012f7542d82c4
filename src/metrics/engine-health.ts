/**
 * Watches whether the node's engine can be used and says so: a warning when it stops answering or
 * loses its connection (a Redis that is paused, partitioned, restarting), one line when it is back
 * with how long it was away — two lines per outage, never one per failed call. With metrics, the
 * gauge `switchboard_engine_up` reads the same state when scraped (the memory engine is always up).
 */
import { Gauge, type Registry } from 'prom-client';
import type { Engine } from '../engine/types.js';
import type { Logger } from '../log.js';
import { METRIC_PREFIX as P } from './names.js';

/** How often the engine's state is looked at, ms: well under the Redis command timeout. */
export const ENGINE_HEALTH_INTERVAL_MS = 250;

export interface EngineHealthOptions {
  /** `memory` or `redis`, for the log lines. */
  readonly engine: string;
  readonly log: Logger;
  /** Registry for `switchboard_engine_up`; none: no gauge. */
  readonly registry?: Registry;
  /** Default {@link ENGINE_HEALTH_INTERVAL_MS}. */
  readonly intervalMs?: number;
}

/**
 * One timer per node. The Redis engine's health check drops a connection whose PING or command
 * times out (after `engine.redis.command_timeout`), so a frozen server is seen as unreachable within
 * about that time, and this watcher tells within one more interval.
 */
export class EngineHealth {
  private timer: NodeJS.Timeout | undefined;
  /** When the engine was last seen unreachable first; undefined while it is up. */
  private downSince: number | undefined;

  constructor(
    private readonly target: Pick<Engine, 'reachable'>,
    private readonly options: EngineHealthOptions,
  ) {
    if (options.registry !== undefined) {
      new Gauge({
        name: `${P}engine_up`,
        help: '1 while the engine answers (Redis connected and ready), 0 while it is unreachable; the memory engine is always 1.',
        registers: [options.registry],
        collect() {
          this.set(target.reachable() ? 1 : 0);
        },
      });
    }
  }

  /** Whether the engine was reachable at the last look. */
  get up(): boolean {
    return this.downSince === undefined;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.check(), this.options.intervalMs ?? ENGINE_HEALTH_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Looks at the engine once; logs when its state changed since the last look. */
  check(now = Date.now()): void {
    const reachable = this.target.reachable();
    const { engine, log } = this.options;
    if (!reachable && this.downSince === undefined) {
      this.downSince = now;
      log.warn(
        { engine },
        'engine unreachable: it stopped answering or its connection dropped; engine calls fail (temporary errors) until it is back',
      );
    } else if (reachable && this.downSince !== undefined) {
      const downMs = now - this.downSince;
      this.downSince = undefined;
      log.info({ engine, down_ms: downMs }, `engine reachable again after ${downMs} ms`);
    }
  }
}
