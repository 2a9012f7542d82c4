/**
 * What the redis_stream consumer suites share: an engine Redis and a SEPARATE queue Redis (so
 * either can go down alone), both persisting every write (`appendfsync always`) so a kill and a
 * restart keep their data; node processes running a `redis_stream` consumer; a producer writing
 * entries with XADD; SDK clients subscribed on a channel with history and recovery, whose received
 * numbers a suite compares with what it produced; the node's consumer metrics and `/ready`.
 */
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import {
  collect,
  type NodeProcess,
  type RedisServer,
  type TestScope,
  token,
  waitFor,
} from '../harness/index.js';

export const CONSUMER = 'rs';
export const GROUP = 'switchboard';
export const NAMESPACE = { name: 'feed', history_size: 5000, history_ttl: '300s', force_recovery: true };
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];

export interface Rig {
  engine: RedisServer;
  queue: RedisServer;
  /** A client on the queue Redis, for XADD and checks; reconnects by itself. */
  producer: Redis;
}

export async function rig(t: TestScope): Promise<Rig> {
  const [engine, queue] = await Promise.all([t.redis(DURABLE), t.redis(DURABLE)]);
  const producer = t.defer(
    new Redis(queue.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 }),
    (c) => c.disconnect(),
  );
  producer.on('error', () => {});
  return { engine, queue, producer };
}

/** A node whose consumer reads `streams` of the rig's queue Redis; `section` overrides its keys. */
export function startConsumerNode(
  t: TestScope,
  r: Rig,
  name: string,
  streams: string[],
  section: Record<string, unknown> = {},
): Promise<NodeProcess> {
  return t.nodeProcess(name, {
    engine: { redis: { address: r.engine.url } },
    channel: { namespaces: [NAMESPACE] },
    // A client moved off a killed node misses more than the default 300 while the other publishes.
    client: { recovery_max_publication_limit: 10_000 },
    consumers: [
      {
        name: CONSUMER,
        enabled: true,
        type: 'redis_stream',
        redis_stream: {
          address: r.queue.url,
          streams,
          consumer_group: GROUP,
          visibility_timeout: '2s',
          batch_size: 100,
          ...section,
        },
      },
    ],
  });
}

/** Fields of an entry publishing `{n}` into `channel`, as Centrifugo's consumer reads them. */
export function publishFields(channel: string, n: number): string[] {
  return ['method', 'publish', 'payload', JSON.stringify({ channel, data: { n } })];
}

/** XADDs entries publishing numbers `from..to` into `channel`, pipelined in chunks. */
export async function produce(
  r: Rig,
  stream: string,
  channel: string,
  from: number,
  to: number,
): Promise<void> {
  for (let start = from; start <= to; start += 100) {
    const pipeline = r.producer.pipeline();
    for (let n = start; n <= Math.min(to, start + 99); n++)
      pipeline.xadd(stream, '*', ...publishFields(channel, n));
    const results = await pipeline.exec();
    const failed = results?.find(([e]) => e !== null);
    if (results === null || failed !== undefined) throw new Error(`XADD failed: ${String(failed?.[0])}`);
  }
}

/** Numbers from..to. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** A WebSocket class for the SDK that connects to the given nodes in turn (a dead node's client moves on). */
function rotating(urls: string[]): typeof WebSocket {
  let next = 0;
  return class Rotating extends WebSocket {
    constructor(_url: string, protocols?: string | string[]) {
      super(urls[next++ % urls.length]!, protocols);
    }
  } as unknown as typeof WebSocket;
}

export interface Watcher {
  client: Centrifuge;
  got: PublicationContext[];
  numbers(): number[];
}

/** An SDK client on `nodes` (the first, then the next when it goes) subscribed to `channel`. */
export async function watch(
  t: TestScope,
  nodes: NodeProcess[],
  channel: string,
  user: string,
): Promise<Watcher> {
  const urls = nodes.map((n) => n.wsUrl);
  const client = t.sdk(urls[0]!, { token: await token(user), websocket: rotating(urls) });
  const sub = client.newSubscription(channel);
  const got = collect(sub);
  sub.subscribe();
  client.connect();
  await sub.ready(15_000);
  return { client, got, numbers: () => got.map((p) => (p.data as { n: number }).n) };
}

/** Waits until every watcher has at least `count` publications (a duplicate shows in the later check). */
export async function untilAll(watchers: Watcher[], count: number, timeoutMs: number): Promise<void> {
  await waitFor(() => watchers.every((w) => w.got.length >= count), {
    message: `${count} publications at every client (got ${watchers.map((w) => w.got.length).join(', ')})`,
    timeoutMs,
    intervalMs: 50,
  });
}

/** The node's `switchboard_consumer_messages_total{consumer, result}` (0 when absent). */
export async function consumerCount(node: NodeProcess, result: string): Promise<number> {
  return metric(node, 'switchboard_consumer_messages_total{', `result="${result}"`);
}

/** The node's `switchboard_consumer_lag_messages` of the consumer (undefined when absent). */
export async function consumerLag(node: NodeProcess): Promise<number | undefined> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  return text.includes(`switchboard_consumer_lag_messages{consumer="${CONSUMER}"}`)
    ? metric(node, 'switchboard_consumer_lag_messages{', '')
    : undefined;
}

async function metric(node: NodeProcess, prefix: string, label: string): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(prefix) && l.includes(`consumer="${CONSUMER}"`) && l.includes(label));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The node's `/ready`: status and body. */
export async function ready(node: NodeProcess): Promise<{ status: number; body: string }> {
  const res = await fetch(`${node.baseUrl}/ready`);
  return { status: res.status, body: await res.text() };
}

/** The name of the node holding `stream`'s lease (via the `info` API's uids), or undefined. */
export async function holderOf(
  r: Rig,
  nodes: NodeProcess[],
  stream: string,
): Promise<NodeProcess | undefined> {
  const uid = await r.producer.get(`switchboard:redis_stream:${GROUP}:lease:${stream}`);
  if (uid === null) return undefined;
  for (const node of nodes) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) continue;
    const { body } = await node.api('info');
    const infos = (body['result'] as { nodes: { uid: string; name: string }[] }).nodes;
    const match = infos.find((i) => i.uid === uid);
    if (match !== undefined) return nodes.find((n) => n.name === match.name);
  }
  return undefined;
}
