/**
 * In-memory stand-ins for the gateway core's unit tests: a subscriber that records what the hub
 * queues to it, subscriptions with chosen traits, and a broker that records its calls. No sockets.
 */

import { defaultConfig } from '../../../src/config/index.js';
import type { ChannelOptions } from '../../../src/config/types.js';
import type { Broker, PublishResult } from '../../../src/engine/types.js';
import {
  ClientSubscription,
  type SubscriptionOwner,
  type SubscriptionTraits,
} from '../../../src/gateway/client-subscription.js';
import type { Encoding } from '../../../src/protocol/encoding.js';
import { jsonEncoding } from '../../../src/protocol/json/index.js';

/** The default options of a channel without namespace. */
export const CHANNEL_OPTIONS: ChannelOptions = defaultConfig().channel.without_namespace;

/** A subscriber that keeps every frame queued to it and every subscription that lost its position. */
export interface RecordingSubscriber extends SubscriptionOwner {
  readonly frames: Buffer[];
  readonly lost: ClientSubscription[];
  /** The queued frames as text. */
  texts(): string[];
}

/** A new recording subscriber with client id `id`. */
export function subscriber(
  id: string,
  user = `user-${id}`,
  encoding: Encoding = jsonEncoding,
): RecordingSubscriber {
  const frames: Buffer[] = [];
  const lost: ClientSubscription[] = [];
  return {
    id,
    user,
    encoding,
    frames,
    lost,
    enqueue: (frame) => frames.push(frame),
    onInsufficientState: (sub) => lost.push(sub),
    texts: () => frames.map((f) => f.toString()),
  };
}

/** A subscription of `conn` to `channel`; live (not buffering) unless `buffering` is set. */
export function subscription(
  conn: SubscriptionOwner,
  channel: string,
  traits: Partial<SubscriptionTraits> & { buffering?: boolean; options?: Partial<ChannelOptions> } = {},
): ClientSubscription {
  const { buffering = false, options = {}, ...rest } = traits;
  const sub = new ClientSubscription(
    conn,
    channel,
    { ...CHANNEL_OPTIONS, ...options },
    { recoverable: false, positioned: false, pushJoinLeave: false, serverSide: false, ...rest },
    { user: conn.user, client: conn.id },
  );
  if (!buffering) sub.buffer = null;
  return sub;
}

/** One call the broker got. */
export type BrokerCall = { op: 'subscribe' | 'unsubscribe'; channels: string[] };

/** A broker that records subscribe and unsubscribe calls; `hold()` keeps the next calls pending. */
export class RecordingBroker implements Broker {
  readonly calls: BrokerCall[] = [];
  /** The error the next calls reject with, while set. */
  failWith: Error | undefined;
  private held: (() => void)[] | undefined;

  /** Calls made from now on stay pending until `release()`. */
  hold(): void {
    this.held = [];
  }

  /** Completes every held call, and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const done of held) done();
  }

  async start(): Promise<void> {}

  subscribe(channels: readonly string[]): Promise<void> {
    return this.record('subscribe', channels);
  }

  unsubscribe(channels: readonly string[]): Promise<void> {
    return this.record('unsubscribe', channels);
  }

  async publish(): Promise<PublishResult> {
    return { suppressed: false };
  }

  async publishJoin(): Promise<void> {}

  async publishLeave(): Promise<void> {}

  async publishControl(): Promise<void> {}

  async close(): Promise<void> {}

  private record(op: BrokerCall['op'], channels: readonly string[]): Promise<void> {
    this.calls.push({ op, channels: [...channels] });
    const error = this.failWith;
    const held = this.held;
    if (held === undefined) return error === undefined ? Promise.resolve() : Promise.reject(error);
    return new Promise((resolve, reject) =>
      held.push(() => (error === undefined ? resolve() : reject(error))),
    );
  }
}

/** Resolves after the current event-loop turn's `setImmediate` callbacks (and their promises) ran. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
