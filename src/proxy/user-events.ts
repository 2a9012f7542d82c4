/**
 * Delivers the cluster's user online/offline events to the backend (docs/user-events.md). Every
 * node runs a dispatcher; the one holding the engine's dispatcher lock reads the event log after
 * the shared cursor, calls `user_online` / `user_offline` for each event in log order, and advances
 * the cursor (compare and set, only while holding the lock) once the backend answered without an
 * error. An error, a timeout or a refused connection is retried with a capped exponential backoff,
 * never skipped: at least once, in order per user (in log order, in fact), nothing lost. Another
 * node takes the lock over when the holder dies (within the lock ttl).
 */
import type { UserStatusEvent, UserStatusStore } from '../engine/user-status.js';
import type { Logger } from '../log.js';
import { type ProxyCaller, ProxyUnavailableError } from './caller.js';

/** What the dispatcher reports for metrics. */
export interface UserEventsMetricsPort {
  /** The backend acknowledged an event. */
  delivered(type: UserStatusEvent['type']): void;
  /** A delivery attempt failed (it is retried). */
  failed(type: UserStatusEvent['type']): void;
  /** Events recorded and not delivered yet (read by the lock holder). */
  pending(count: number): void;
}

/** Options of a {@link UserEventsDispatcher}. */
export interface UserEventsDispatcherOptions {
  store: UserStatusStore;
  /** This node's id: the lock owner, and the `node` of nothing (events carry their own). */
  owner: string;
  online: ProxyCaller;
  offline: ProxyCaller;
  /** How long the lock outlives a silent holder; renewed every third of it. */
  lockTtlMs: number;
  /** How often a node without the lock tries to take it. */
  standbyIntervalMs: number;
  /** Longest wait between two attempts at one event. */
  retryMaxMs: number;
  log: Logger;
  metrics?: UserEventsMetricsPort;
}

/** How often the holder looks for new events when the log is empty. */
const POLL_MS = 100;
/** Events read per batch. */
const BATCH = 100;
const FIRST_RETRY_MS = 100;

/** The body of a `user_online` / `user_offline` call (see docs/user-events.md). */
export function userEventRequest(event: UserStatusEvent): Record<string, unknown> {
  return {
    user: event.user,
    version: event.version,
    idempotency_key: `${event.user}:${event.version}`,
    time_ms: event.timeMs,
    node: event.node,
  };
}

export class UserEventsDispatcher {
  private stopped = false;
  private holding = false;
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: UserEventsDispatcherOptions) {}

  start(): void {
    this.loop ??= this.run();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, this.options.lockTtlMs / 3));
    this.renewTimer.unref();
  }

  /** Stops after the call in flight (its event stays for the next holder) and gives the lock up. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.renewTimer);
    this.wake?.();
    await this.loop;
    if (!this.holding) return;
    this.holding = false;
    await this.options.store.unlock(this.options.owner).catch(() => {});
  }

  private async run(): Promise<void> {
    let backoff = FIRST_RETRY_MS;
    while (!this.stopped) {
      if (!(await this.takeLock())) {
        await this.pause(this.options.standbyIntervalMs);
        continue;
      }
      try {
        const delivered = await this.deliverBatch();
        backoff = FIRST_RETRY_MS;
        if (delivered === 0) await this.pause(POLL_MS);
      } catch (error) {
        // The engine failed (the event log or the cursor): read again from the cursor later.
        this.options.log.debug({ err: error }, 'user events: engine call failed, retrying');
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, this.options.retryMaxMs);
      }
    }
  }

  private async takeLock(): Promise<boolean> {
    let holding = false;
    try {
      holding = await this.options.store.lock(this.options.owner, this.options.lockTtlMs);
    } catch {
      // The engine is unreachable: not holding, as far as this node can tell.
    }
    if (holding !== this.holding) {
      this.options.log.info(
        holding ? 'user events: this node delivers them now' : 'user events: another node delivers them now',
      );
    }
    this.holding = holding;
    return holding;
  }

  private async renew(): Promise<void> {
    if (this.holding && !this.stopped) await this.takeLock();
  }

  /** Delivers the events after the cursor, in order; resolves with how many were delivered. */
  private async deliverBatch(): Promise<number> {
    const { store, owner, metrics } = this.options;
    let cursor = await store.cursor();
    const events = await store.events(cursor, BATCH);
    if (metrics !== undefined) metrics.pending(await store.pending());
    let delivered = 0;
    for (const event of events) {
      if (!(await this.deliver(event))) break;
      // Not advanced: the lock was lost or another holder moved the cursor; start over from it.
      if (!(await store.advance(owner, cursor, event.id))) break;
      cursor = event.id;
      delivered++;
    }
    if (metrics !== undefined && delivered > 0) metrics.pending(await store.pending());
    return delivered;
  }

  /** Calls the backend until it takes the event; false when stopped or the lock was lost first. */
  private async deliver(event: UserStatusEvent): Promise<boolean> {
    const { log, metrics, retryMaxMs } = this.options;
    const kind = event.type === 'online' ? 'user_online' : 'user_offline';
    const caller = event.type === 'online' ? this.options.online : this.options.offline;
    const request = userEventRequest(event);
    let wait = FIRST_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped || !this.holding) return false;
      let problem: string;
      try {
        const response = await caller.call(kind, request, {});
        if (response.error === undefined) {
          metrics?.delivered(event.type);
          if (attempt > 1)
            log.info(
              { user: event.user, version: event.version, kind },
              'user events: delivered after retries',
            );
          return true;
        }
        problem = `the backend answered error ${response.error.code}`;
      } catch (error) {
        problem = error instanceof ProxyUnavailableError ? error.message : String(error);
      }
      metrics?.failed(event.type);
      if (attempt === 1 || wait === retryMaxMs) {
        log.warn(
          { user: event.user, version: event.version, kind, attempt, problem },
          'user events: delivery failed, retrying',
        );
      }
      await this.pause(wait);
      wait = Math.min(wait * 2, retryMaxMs);
    }
  }

  /** Waits `ms`, or less when stopped. */
  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
