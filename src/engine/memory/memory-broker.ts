/**
 * The in-process broker: publishes go through a `MemoryBus` to the nodes subscribed to the channel,
 * synchronously, inside `publish`. This is the fan-out hot path of a single node, so delivery makes
 * one event object per publish, shared by every receiving node, and does no JSON work.
 */
import type { ClientInfo, Publication } from '../../protocol/types.js';
import { BrokerStateError, EngineClosedError } from '../errors.js';
import type { Broker, BrokerEvent, BrokerEventHandler, PublishOptions, PublishResult } from '../types.js';
import {
  DEFAULT_IDEMPOTENCY_TTL_MS,
  requireHistoryOptions,
  requirePositive,
  requireVersion,
  requireWellFormed,
} from '../validate.js';
import { copyPublication } from './copy-publication.js';
import { type BusEndpoint, MemoryBus } from './memory-bus.js';

/** Options of a `MemoryBroker`. */
export interface MemoryBrokerOptions {
  /** The bus shared with the other nodes and with this node's stores. Default: a new, private bus. */
  bus?: MemoryBus;
}

/**
 * A `Broker` on a `MemoryBus`.
 *
 * - Subscribing is idempotent per channel, not reference counted: subscribing twice and
 *   unsubscribing once stops delivery.
 * - Delivered events are shared by every receiving node: handlers must not change them, nor the
 *   publications in them (the same objects are kept in history).
 * - A publication event always has an `epoch` property: the stream's epoch with history, else undefined.
 */
export class MemoryBroker implements Broker {
  /** The bus this broker publishes to. */
  readonly bus: MemoryBus;
  private endpoint: BusEndpoint | undefined;
  private closed = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.bus = options.bus ?? new MemoryBus();
    this.bus.attach();
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.assertOpen();
    if (this.endpoint !== undefined) {
      throw new BrokerStateError(
        'BROKER_ALREADY_STARTED',
        'broker already started: call start() once per broker',
      );
    }
    // A fresh object per broker, so two brokers given the same handler are still two nodes.
    this.endpoint = { receive: handler };
    this.bus.start(this.endpoint);
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    const endpoint = this.started('subscribe');
    for (const channel of channels) requireWellFormed('channel', channel);
    for (const channel of channels) this.bus.subscribe(channel, endpoint);
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    const endpoint = this.started('unsubscribe');
    for (const channel of channels) requireWellFormed('channel', channel);
    for (const channel of channels) this.bus.unsubscribe(channel, endpoint);
  }

  async publish(channel: string, pub: Publication, options?: PublishOptions): Promise<PublishResult> {
    this.assertOpen();
    // Once per publish, never per delivery; the Redis engine refuses the same names.
    requireWellFormed('channel', channel);
    const bus = this.bus;
    const now = bus.now();
    const key = options?.idempotencyKey;
    let ttlMs = 0;
    if (key !== undefined) {
      requireWellFormed('idempotencyKey', key);
      ttlMs = options?.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
      requirePositive('idempotencyTtlMs', ttlMs);
      const seen = bus.idempotency.get(channel, key, now);
      if (seen !== undefined) return { position: seen.position, suppressed: true };
    }
    const history = options?.history;
    const version = pub.version ?? 0;
    const versionEpoch = options?.versionEpoch ?? '';
    requireVersion(version, versionEpoch);
    let event: BrokerEvent;
    let result: PublishResult;
    if (history !== undefined) {
      requireHistoryOptions(history);
      if (version > 0) {
        // A stale version changes nothing: no delivery, no idempotency record, no ttl extended.
        const top = bus.streams.staleVersion(channel, version, versionEpoch, now);
        if (top !== undefined) return { position: top, suppressed: true };
      }
      const stream = bus.streams.append(channel, pub, history, now, version, versionEpoch);
      const stored = stream.publications[stream.publications.length - 1]!;
      event = { type: 'publication', channel, pub: stored, epoch: stream.epoch };
      result = { position: { offset: stream.offset, epoch: stream.epoch }, suppressed: false };
    } else {
      event = { type: 'publication', channel, pub: withoutOffset(pub), epoch: undefined };
      result = { suppressed: false };
    }
    // Recorded before delivery, so a handler that retries the same publish is already suppressed.
    if (key !== undefined) bus.idempotency.set(channel, key, result.position, now + ttlMs);
    bus.send(event);
    return result;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    this.bus.send({ type: 'join', channel, info });
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.assertOpen();
    requireWellFormed('channel', channel);
    this.bus.send({ type: 'leave', channel, info });
  }

  async publishControl(data: string): Promise<void> {
    this.assertOpen();
    this.bus.send({ type: 'control', data });
  }

  /** Stops delivery to this node and releases the bus. Closing twice is a no-op. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.endpoint !== undefined) this.bus.stop(this.endpoint);
    this.bus.detach();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('memory broker');
  }

  private started(method: string): BusEndpoint {
    this.assertOpen();
    if (this.endpoint === undefined) {
      throw new BrokerStateError('BROKER_NOT_STARTED', `call start() before ${method}()`);
    }
    return this.endpoint;
  }
}

/** The publication without an offset: without history the engine assigns none, whatever the caller set. */
function withoutOffset(pub: Publication): Publication {
  return pub.offset === undefined ? pub : copyPublication(pub, undefined);
}
