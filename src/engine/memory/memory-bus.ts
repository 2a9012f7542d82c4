/**
 * The in-process backend that memory brokers and stores share: it routes events between the nodes
 * attached to it and holds the state a cluster would keep in Redis (history streams, presence,
 * idempotency keys). Several engines on one bus behave as the nodes of one cluster, which is how
 * tests run multi-node scenarios in one process.
 */
import type { BrokerEvent } from '../types.js';
import { requirePositive } from '../validate.js';
import { MemoryIdempotency } from './memory-idempotency.js';
import { MemoryPresenceTable } from './memory-presence-table.js';
import { MemoryStreams } from './memory-streams.js';
import { MemoryUserStatusTable } from './memory-user-status-table.js';

/** One node attached to the bus: where its events go. */
export interface BusEndpoint {
  receive(event: BrokerEvent): void;
}

/** Options of a `MemoryBus`; every field has a default. */
export interface MemoryBusOptions {
  /** How often expired streams, presence entries and idempotency keys are swept, ms. Default 1000. */
  sweepIntervalMs?: number;
  /**
   * Clock for every expiry, ms. Default `performance.now`: monotonic, so a wall-clock jump neither
   * expires nor revives entries. Tests pass a fake clock and call `sweep()`.
   */
  now?: () => number;
  /**
   * Called when a node's handler throws. The other nodes still get the event. Default: rethrown in a
   * microtask, so the bug surfaces as an uncaught exception instead of being swallowed.
   */
  onHandlerError?: (error: unknown, event: BrokerEvent) => void;
}

const DEFAULT_SWEEP_INTERVAL_MS = 1000;

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Routes events between attached nodes and holds the shared state of one in-process cluster. */
export class MemoryBus {
  /** History streams, appended by brokers and read by history stores. */
  readonly streams = new MemoryStreams();
  /** Presence entries of every node. */
  readonly presence = new MemoryPresenceTable();
  /** Idempotency keys of recent publishes. */
  readonly idempotency = new MemoryIdempotency();
  /** Which users have a node, their online/offline events and the dispatcher lock. */
  readonly userStatus = new MemoryUserStatusTable();
  /** The bus clock, ms. */
  readonly now: () => number;

  private readonly sweepIntervalMs: number;
  private readonly onHandlerError: (error: unknown, event: BrokerEvent) => void;
  /**
   * Subscribed endpoints per channel. Arrays are replaced, never changed in place, so delivery can
   * walk one without a copy even when a handler subscribes or unsubscribes meanwhile.
   */
  private readonly routes = new Map<string, readonly BusEndpoint[]>();
  /**
   * One shared `[endpoint]` route per endpoint: most channels (a user's personal channel)
   * are subscribed by one node, and they all point at the same array instead of one each.
   */
  private readonly alone = new Map<BusEndpoint, readonly BusEndpoint[]>();
  /** Started endpoints; control messages go to all of them. Replaced like `routes`. */
  private endpoints: readonly BusEndpoint[] = [];
  /** Events sent by a handler while another event is being delivered; see `send`. */
  private readonly pending: BrokerEvent[] = [];
  private delivering = false;
  private users = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: MemoryBusOptions = {}) {
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    requirePositive('sweepIntervalMs', this.sweepIntervalMs);
    this.now = options.now ?? (() => performance.now());
    this.onHandlerError = options.onHandlerError ?? rethrowLater;
  }

  /** True while a broker or store uses the bus, that is while the sweep timer runs. */
  get sweeping(): boolean {
    return this.timer !== undefined;
  }

  /** Number of channels at least one endpoint subscribed. */
  get routedChannels(): number {
    return this.routes.size;
  }

  /** Registers a user of the shared state; the first one starts the sweep timer. */
  attach(): void {
    this.users += 1;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.sweepIntervalMs);
      // Expired entries are also skipped on read, so the timer only bounds memory: never keep the process up for it.
      this.timer.unref();
    }
  }

  /** Releases a user; the last one stops the timer, so a closed engine leaves nothing scheduled. */
  detach(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Drops everything expired by now. Runs on the timer; callable directly (tests, fake clocks). */
  sweep(): void {
    const now = this.now();
    this.streams.sweep(now);
    this.presence.sweep(now);
    this.idempotency.sweep(now);
  }

  /** Makes `endpoint` receive control messages. */
  start(endpoint: BusEndpoint): void {
    if (!this.endpoints.includes(endpoint)) this.endpoints = [...this.endpoints, endpoint];
  }

  /**
   * Stops control messages to `endpoint` and its delivery of `channels`; without `channels`, of
   * every channel it subscribed.
   */
  stop(endpoint: BusEndpoint, channels?: Iterable<string>): void {
    this.endpoints = this.endpoints.filter((e) => e !== endpoint);
    if (channels !== undefined) {
      for (const channel of channels) this.unsubscribe(channel, endpoint);
      return;
    }
    for (const [channel, current] of this.routes) {
      if (current.includes(endpoint)) this.unsubscribe(channel, endpoint);
    }
    this.alone.delete(endpoint);
  }

  /** Starts delivery of `channel` to `endpoint`; a second call is a no-op. */
  subscribe(channel: string, endpoint: BusEndpoint): void {
    const current = this.routes.get(channel);
    if (current === undefined) {
      this.routes.set(channel, this.only(endpoint));
    } else if (!current.includes(endpoint)) {
      this.routes.set(channel, [...current, endpoint]);
    }
  }

  /** Stops delivery of `channel` to `endpoint`. */
  unsubscribe(channel: string, endpoint: BusEndpoint): void {
    const current = this.routes.get(channel);
    if (current === undefined || !current.includes(endpoint)) return;
    if (current.length === 1) {
      this.routes.delete(channel);
    } else {
      const rest = current.filter((e) => e !== endpoint);
      this.routes.set(channel, rest.length === 1 ? this.only(rest[0]!) : rest);
    }
  }

  /** The shared route to one endpoint. */
  private only(endpoint: BusEndpoint): readonly BusEndpoint[] {
    let route = this.alone.get(endpoint);
    if (route === undefined) {
      route = [endpoint];
      this.alone.set(endpoint, route);
    }
    return route;
  }

  /**
   * Delivers an event, synchronously: a channel event to the endpoints subscribed to its channel, a
   * control message to every started endpoint. An event sent from inside a handler is queued and
   * delivered right after the current one, so every node still sees one channel's events in send order.
   */
  send(event: BrokerEvent): void {
    if (this.delivering) {
      this.pending.push(event);
      return;
    }
    this.delivering = true;
    try {
      this.dispatch(event);
      // `pending` may grow while it is walked; the index loop picks up what handlers add.
      for (let i = 0; i < this.pending.length; i++) this.dispatch(this.pending[i]!);
    } finally {
      this.pending.length = 0;
      this.delivering = false;
    }
  }

  private dispatch(event: BrokerEvent): void {
    const targets =
      event.type === 'control' || event.type === 'resubscribed'
        ? this.endpoints
        : this.routes.get(event.channel);
    if (targets === undefined) return;
    for (let i = 0; i < targets.length; i++) {
      try {
        targets[i]!.receive(event);
      } catch (error) {
        this.onHandlerError(error, event);
      }
    }
  }
}
