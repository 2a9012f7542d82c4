/**
 * The Redis broker: publishes through the shared command connection (auto-pipelined; one Lua
 * script per publish with history or an idempotency key, a bare PUBLISH otherwise) and receives
 * through the node's own subscriber. Interest based: the node subscribes only its channels' topics.
 *
 * Semantics match the memory broker: subscribing is idempotent per channel, not reference counted;
 * a publication event always has an `epoch` property (undefined without history); events of one
 * channel arrive in the order Redis ran the publishes.
 */
import type { ClientInfo, Publication } from '../../protocol/types.js';
import { BrokerStateError, EngineClosedError } from '../errors.js';
import { epochWindowMs } from '../stream-epoch.js';
import type { Broker, BrokerEvent, BrokerEventHandler, PublishOptions, PublishResult } from '../types.js';
import {
  DEFAULT_IDEMPOTENCY_TTL_MS,
  requireHistoryOptions,
  requirePositive,
  requireVersion,
  requireWellFormed,
} from '../validate.js';
import type { CommandConnection } from './command-connection.js';
import {
  decodeMessage,
  encodeBody,
  encodeControl,
  encodeJoin,
  encodeLeave,
  encodePublication,
} from './envelope.js';
import { idempotencyKey, type KeySpace, metaKey, streamKey } from './keys.js';
import { publishScript } from './publish-script.js';
import type { Subscriber, SubscriberSink } from './subscriber.js';
import { toEngineError } from './to-engine-error.js';
import { ttlArg } from './ttl.js';

/** Options of a `RedisBroker`, filled by `createRedisEngine`. */
export interface RedisBrokerOptions {
  connection: CommandConnection;
  subscriber: Subscriber;
  keys: KeySpace;
  /** Called when the handler throws; the default rethrows in a microtask. */
  onHandlerError: (error: unknown, event: BrokerEvent) => void;
  /** Called with messages that are not in the envelope format; they are dropped. */
  onError: (error: unknown) => void;
}

export class RedisBroker implements Broker, SubscriberSink {
  private handler: BrokerEventHandler | undefined;
  private closed = false;
  private readonly connection: CommandConnection;
  private readonly subscriber: Subscriber;
  private readonly keys: KeySpace;
  private readonly publishCommand: 'publish' | 'spublish';

  constructor(private readonly options: RedisBrokerOptions) {
    this.connection = options.connection;
    this.subscriber = options.subscriber;
    this.keys = options.keys;
    this.publishCommand = options.connection.cluster ? 'spublish' : 'publish';
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.assertOpen();
    if (this.handler !== undefined) {
      throw new BrokerStateError(
        'BROKER_ALREADY_STARTED',
        'broker already started: call start() once per broker',
      );
    }
    this.handler = handler;
    try {
      await this.subscriber.start(this);
    } catch (error) {
      this.handler = undefined;
      throw toEngineError(error, 'subscribing the control channel');
    }
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    this.started('subscribe');
    const entries = channels.map((channel) => [this.keys.topic(channel), channel] as const);
    try {
      await this.subscriber.subscribe(entries);
    } catch (error) {
      throw toEngineError(error, `subscribing ${channels.length} channel(s)`);
    }
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    this.started('unsubscribe');
    // Outside the try: a refused name is the caller's error, not Redis being unavailable.
    const topics = channels.map((channel) => this.keys.topic(channel));
    try {
      await this.subscriber.unsubscribe(topics);
    } catch (error) {
      throw toEngineError(error, `unsubscribing ${channels.length} channel(s)`);
    }
  }

  async publish(channel: string, pub: Publication, options?: PublishOptions): Promise<PublishResult> {
    this.assertOpen();
    const history = options?.history;
    const key = options?.idempotencyKey;
    let idempotencyTtlMs = 0;
    if (key !== undefined) {
      requireWellFormed('idempotencyKey', key);
      idempotencyTtlMs = options?.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
      requirePositive('idempotencyTtlMs', idempotencyTtlMs);
    }
    if (history !== undefined) requireHistoryOptions(history);
    requireVersion(pub.version, options?.versionEpoch);
    const body = encodeBody(pub);
    const topic = this.keys.topic(channel);
    try {
      if (history === undefined && key === undefined) {
        await this.connection.publish(topic, encodePublication(body));
        return { suppressed: false };
      }
      const scriptKeys = [metaKey(topic), streamKey(topic), this.keys.seed(topic)];
      if (key !== undefined) scriptKeys.push(idempotencyKey(topic, key));
      const reply = (await publishScript.run(this.connection.client, scriptKeys, [
        topic,
        body,
        history?.size ?? 0,
        history === undefined ? 0 : ttlArg(history.ttlMs),
        history === undefined ? 0 : metaKeepMs(history.ttlMs, history.metaTtlMs),
        ttlArg(idempotencyTtlMs),
        this.publishCommand,
        history === undefined ? 0 : epochWindowMs(history.metaTtlMs),
        // Decimal text: a safe integer prints exactly, as the script stores it.
        String(pub.version ?? 0),
        options?.versionEpoch ?? '',
      ])) as [number, string];
      return toResult(reply);
    } catch (error) {
      throw this.connection.fail(error, `publishing to ${channel}`);
    }
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.send(this.keys.topic(channel), encodeJoin(info), `publishing a join to ${channel}`);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.send(this.keys.topic(channel), encodeLeave(info), `publishing a leave to ${channel}`);
  }

  async publishControl(data: string): Promise<void> {
    await this.send(this.keys.control, encodeControl(data), 'publishing a control message');
  }

  /** Stops delivery to this node and closes its subscriber. Closing twice is a no-op. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.subscriber.close(), this.connection.release()]);
  }

  /** @internal Called by the subscriber for every message of a subscribed channel or the control channel. */
  message(channel: string | undefined, message: string): void {
    const handler = this.handler;
    if (handler === undefined || this.closed) return;
    let event: BrokerEvent;
    try {
      event = decodeMessage(channel, message);
    } catch (error) {
      this.options.onError(error);
      return;
    }
    this.deliver(handler, event);
  }

  /** @internal Called by the subscriber once every channel is subscribed again after an interruption. */
  resubscribed(): void {
    const handler = this.handler;
    if (handler !== undefined && !this.closed) this.deliver(handler, { type: 'resubscribed' });
  }

  private deliver(handler: BrokerEventHandler, event: BrokerEvent): void {
    try {
      handler(event);
    } catch (error) {
      this.options.onHandlerError(error, event);
    }
  }

  private async send(topic: string, message: string, action: string): Promise<void> {
    this.assertOpen();
    try {
      await this.connection.publish(topic, message);
    } catch (error) {
      throw this.connection.fail(error, action);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('redis broker');
  }

  private started(method: string): void {
    this.assertOpen();
    if (this.handler === undefined) {
      throw new BrokerStateError('BROKER_NOT_STARTED', `call start() before ${method}()`);
    }
  }
}

/**
 * How long the meta must live after a publish: at least the meta ttl and at least as long as the
 * publications (kept publications must not end up in a stream with a new epoch). 0 = forever.
 */
function metaKeepMs(ttlMs: number, metaTtlMs: number): number {
  const ttl = ttlArg(ttlMs);
  const meta = ttlArg(metaTtlMs);
  return ttl === 0 || meta === 0 ? 0 : Math.max(ttl, meta);
}

/** Reads the script's `{suppressed, "<offset>:<epoch>" | ""}`. */
function toResult([suppressed, stored]: [number, string]): PublishResult {
  const result: PublishResult = { suppressed: suppressed === 1 };
  const colon = stored.indexOf(':');
  if (colon > 0) result.position = { offset: Number(stored.slice(0, colon)), epoch: stored.slice(colon + 1) };
  return result;
}
