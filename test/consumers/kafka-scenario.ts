/**
 * What the Kafka consumer suites share: a node's config with one `kafka` consumer, messages in
 * Centrifugo's envelope, and SDK subscribers that record the numbers they receive per channel
 * (each publication is `{n}`; a channel's numbers must be 0..N-1 exactly once, in order).
 */
import type { Centrifuge } from 'centrifuge';
import { type NodeProcess, type TestScope, token, waitFor } from '../harness/index.js';
import type { KafkaBroker, TestMessage } from '../harness/kafka.js';

/** A recoverable namespace: clients that reconnect get what they missed. */
export const FEED = { name: 'feed', history_size: 5000, history_ttl: '300s', force_recovery: true };
export const CONSUMER = 'orders';

export function nodeConfig(
  redisUrl: string,
  kafka: KafkaBroker,
  topic: string,
  group: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    engine: { redis: { address: redisUrl, command_timeout: '1s' } },
    channel: { namespaces: [FEED] },
    consumers: [
      {
        name: CONSUMER,
        enabled: true,
        type: 'kafka',
        kafka: {
          brokers: [kafka.address],
          topics: [topic],
          consumer_group: group,
          session_timeout: '6s',
          fetch_max_wait: '200ms',
          dial_timeout: '1s',
          ...extra,
        },
      },
    ],
  };
}

/** `{"method":"publish","payload":{channel, data:{n}}}` keyed by channel (one partition per channel). */
export function publish(channel: string, n: number): TestMessage {
  return { key: channel, value: JSON.stringify({ method: 'publish', payload: { channel, data: { n } } }) };
}

/** `count` messages per channel, interleaved: c0:0, c1:0, …, c0:1, … */
export function burst(channels: string[], from: number, count: number): TestMessage[] {
  const out: TestMessage[] = [];
  for (let n = from; n < from + count; n++) for (const c of channels) out.push(publish(c, n));
  return out;
}

export interface Subscriber {
  client: Centrifuge;
  /** Numbers received, by channel. */
  got: Map<string, number[]>;
}

/** An SDK client on `node` subscribed to `channels`, ready. */
export async function subscriber(
  scope: TestScope,
  node: NodeProcess,
  user: string,
  channels: string[],
): Promise<Subscriber> {
  const client = scope.sdk(node.wsUrl, { token: await token(user) });
  const got = new Map<string, number[]>();
  const subs = channels.map((channel) => {
    const sub = client.newSubscription(channel);
    got.set(channel, []);
    sub.on('publication', (ctx) => got.get(channel)!.push((ctx.data as { n: number }).n));
    sub.subscribe();
    return sub;
  });
  client.connect();
  await Promise.all(subs.map((s) => s.ready(10_000)));
  return { client, got };
}

/** Waits until every subscriber has at least `count` numbers on every channel. */
export async function allReceived(
  subscribers: Subscriber[],
  count: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(() => subscribers.every((s) => [...s.got.values()].every((list) => list.length >= count)), {
    timeoutMs,
    intervalMs: 100,
    message: `${count} publications per channel on every client (have ${counts(subscribers)})`,
  });
}

export function counts(subscribers: Subscriber[]): string {
  return subscribers.map((s) => [...s.got.values()].map((l) => l.length).join('/')).join(', ');
}

/** 0..count-1. */
export function range(count: number): number[] {
  return [...Array(count).keys()];
}

/** The node's `consumer_messages_total{result}` for the consumer (0 before the first). */
export async function metric(
  node: NodeProcess,
  result: 'applied' | 'retried' | 'dead_lettered',
): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('switchboard_consumer_messages_total{') && l.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
