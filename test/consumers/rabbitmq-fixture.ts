/**
 * What the RabbitMQ consumer suites share: a Redis, a RabbitMQ node and node processes on them, each
 * running a `rabbitmq` consumer on the same queue; SDK clients subscribed on a channel with history
 * and recovery, whose received numbers a suite compares with what it sent; message builders; and the
 * node's consumer metrics.
 */
import type { Centrifuge, PublicationContext } from 'centrifuge';
import {
  collect,
  type NodeProcess,
  type RedisServer,
  type TestScope,
  token,
  waitFor,
} from '../harness/index.js';
import { type AmqpClient, amqpClient, type RabbitmqServer, startRabbitmq } from '../harness/rabbitmq.js';

export const NAMESPACE = {
  name: 'feed',
  history_size: 2000,
  history_ttl: '300s',
  force_recovery: true,
};
export const CONSUMER = 'rmq';

export interface Rig {
  redis: RedisServer;
  broker: RabbitmqServer;
  amqp: AmqpClient;
  queue: string;
}

/**
 * A Redis (persistent, so a restart keeps streams and epochs), a RabbitMQ node and a publishing AMQP
 * client, stopped by `t`.
 */
export async function rig(t: TestScope, queue = 'switchboard.commands'): Promise<Rig> {
  const [redis, broker] = await Promise.all([
    t.redis(['--appendonly', 'yes', '--appendfsync', 'always']),
    startRabbitmq(),
  ]);
  t.defer(broker, (b) => b.stop());
  const amqp = t.defer(await amqpClient(broker.url), (c) => c.close());
  return { redis, broker, amqp, queue };
}

/** A node on the rig's Redis whose consumer reads the rig's queue; `rabbitmq` overrides its keys. */
export function startConsumerNode(
  t: TestScope,
  r: Rig,
  name: string,
  rabbitmq: Record<string, unknown> = {},
  url = r.broker.url,
): Promise<NodeProcess> {
  const config = {
    engine: { redis: { address: r.redis.url } },
    channel: { namespaces: [NAMESPACE] },
    // A client of a killed node recovers the whole burst it missed (the default caps at 300).
    client: { recovery_max_publication_limit: 5000 },
    consumers: [
      {
        name: CONSUMER,
        enabled: true,
        type: 'rabbitmq',
        rabbitmq: { url, queue: r.queue, declare_queue: true, prefetch_count: 20, ...rabbitmq },
      },
    ],
  };
  return t.nodeProcess(name, config);
}

/** A Centrifugo command envelope publishing `{n}` into `channel`. */
export function publishCommand(channel: string, n: number): string {
  return JSON.stringify({ method: 'publish', payload: { channel, data: { n } } });
}

/** Numbers 1..count. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export interface Watcher {
  client: Centrifuge;
  got: PublicationContext[];
  numbers(): number[];
}

/** An SDK client on `node` subscribed to `channel`; resolves once subscribed. */
export async function watch(
  t: TestScope,
  node: NodeProcess,
  channel: string,
  user: string,
): Promise<Watcher> {
  const client = t.sdk(node.wsUrl, { token: await token(user) });
  const sub = client.newSubscription(channel);
  const got = collect(sub);
  sub.subscribe();
  client.connect();
  await sub.ready(15_000);
  return {
    client,
    got,
    numbers: () => got.map((p) => (p.data as { n: number }).n),
  };
}

/** Waits until every watcher has at least `count` publications (a duplicate would show in the check). */
export async function untilAll(watchers: Watcher[], count: number, timeoutMs: number): Promise<void> {
  await waitFor(() => watchers.every((w) => w.got.length >= count), {
    message: `${count} publications at every client (got ${watchers.map((w) => w.got.length).join(', ')})`,
    timeoutMs,
    intervalMs: 50,
  });
}

/** The node's `switchboard_consumer_messages_total{consumer, result}` (0 when absent). */
export async function consumerCount(node: NodeProcess, result: string, consumer = CONSUMER): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('switchboard_consumer_messages_total{') &&
        l.includes(`consumer="${consumer}"`) &&
        l.includes(`result="${result}"`),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The node's `switchboard_consumer_up` for the consumer. */
export async function consumerUp(node: NodeProcess): Promise<number | undefined> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`switchboard_consumer_up{consumer="${CONSUMER}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The node's `/ready`: status and body. */
export async function ready(node: NodeProcess): Promise<{ status: number; body: string }> {
  const res = await fetch(`${node.baseUrl}/ready`);
  return { status: res.status, body: await res.text() };
}

/** The node's `switchboard_consumer_lag_messages` for the consumer (undefined before the first report). */
export async function consumerLag(node: NodeProcess): Promise<number | undefined> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`switchboard_consumer_lag_messages{consumer="${CONSUMER}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
