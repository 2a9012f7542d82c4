/**
 * Clients that read history and subscribe over a great many channels, none ever published, against
 * a node in its own process: on the memory engine and on a real redis-server. Reading or subscribing
 * must not store anything per channel, so the node's heap after a full GC comes back to where it was
 * and Redis gains no key but the one seed of the epochs of unpublished channels (a stream record
 * used to be created per channel read, kept for the 30-day history_meta_ttl: 58 MiB of heap for
 * 114,110 channels, 27,110 Redis keys in a minute).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  errorCode,
  type NodeProcess,
  type RawClient,
  type RedisServer,
  rawConnect,
  redisCommand,
  sleep,
  startNodeProcess,
  startRedis,
  token,
  waitFor,
} from '../harness/index.js';
import { MemoryWatch, pidOf, rssOf } from './helpers.js';

const CLIENTS = 20;
/** Channels each client reads the history of, per round. */
const READS = 5000;
/** Channels each client subscribes and unsubscribes, per round. */
const SUBSCRIBES = 1000;
/** Commands per frame (the node takes at most 256). */
const BATCH = 250;
const MIB = 1024 * 1024;

const CONFIG = {
  client: { command_rate_limit: 0, subscribe_to_user_personal_channel: { enabled: false } },
  channel: {
    namespaces: [
      {
        name: 'feed',
        history_size: 10,
        history_ttl: '60s',
        force_recovery: true,
        allow_history_for_client: true,
      },
    ],
  },
};

/** Sends `commands` in frames of BATCH and waits for each frame's last reply; counts error replies. */
async function pipeline(c: RawClient, commands: Record<string, unknown>[]): Promise<number> {
  let errors = 0;
  for (let at = 0; at < commands.length; at += BATCH) {
    const frame = commands.slice(at, at + BATCH).map((command, i) => ({ id: 10 + at + i, ...command }));
    c.send(frame.map((command) => JSON.stringify(command)).join('\n'));
    const last = frame[frame.length - 1]!.id;
    await waitFor(() => c.received.some((m) => m['id'] === last), `reply to #${last}`, 20_000);
    errors += c.received.filter((m) => errorCode(m) !== undefined).length;
    c.received.length = 0;
  }
  return errors;
}

/** One round: every client reads READS channels and subscribes SUBSCRIBES, all named after `round`. */
async function round(clients: RawClient[], round: string): Promise<number> {
  const errors = await Promise.all(
    clients.map((c, n) => {
      const reads = Array.from({ length: READS }, (_, i) => ({
        history: { channel: `feed:${round}-${n}-r${i}`, limit: 0 },
      }));
      const subscribes = Array.from({ length: SUBSCRIBES }, (_, i) => `feed:${round}-${n}-s${i}`).flatMap(
        (channel) => [{ subscribe: { channel } }, { unsubscribe: { channel } }],
      );
      return pipeline(c, [...reads, ...subscribes]);
    }),
  );
  return errors.reduce((a, b) => a + b, 0);
}

async function connectClients(node: NodeProcess): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let n = 0; n < CLIENTS; n++) {
    const c = await rawConnect(node.wsUrl);
    assert.equal(errorCode(await c.call(1, 'connect', { token: await token(`reader${n}`) })), undefined);
    clients.push(c);
  }
  return clients;
}

/** The node's V8 heap in use, bytes, from its `/metrics`. */
async function heapOf(node: NodeProcess): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const match = /^switchboard_nodejs_heap_size_used_bytes (\d+)/m.exec(text);
  if (match === null) throw new Error('no heap figure in /metrics');
  return Number(match[1]);
}

interface Reading {
  rss: number;
  heap: number;
}

const gcHook = new URL('./gc-on-signal.mjs', import.meta.url).pathname;

/** Starts a node whose process runs a full GC on SIGUSR2 (see `gc-on-signal.mjs`). */
async function startCollectableNode(name: string, config: Record<string, unknown>): Promise<NodeProcess> {
  const saved = process.env['NODE_OPTIONS'];
  process.env['NODE_OPTIONS'] = `${saved ?? ''} --import=${gcHook}`.trim();
  try {
    return await startNodeProcess(name, config);
  } finally {
    if (saved === undefined) delete process.env['NODE_OPTIONS'];
    else process.env['NODE_OPTIONS'] = saved;
  }
}

/** The node's memory after a full GC: what it retains, not the garbage the round left. */
async function settled(node: NodeProcess): Promise<Reading> {
  await sleep(500);
  process.kill(pidOf(node), 'SIGUSR2');
  await sleep(500);
  return { rss: rssOf(pidOf(node)), heap: await heapOf(node) };
}

const mib = (n: number): string => (n / MIB).toFixed(1);

/**
 * Two equal rounds of distinct channels, the heap read after a full GC before and after each. Stored
 * per channel, every round adds to the heap; storing nothing, it comes back to where it started.
 */
async function flood(
  node: NodeProcess,
  label: string,
): Promise<{ start: Reading; first: Reading; last: Reading }> {
  const clients = await connectClients(node);
  const memory = new MemoryWatch(pidOf(node));
  const started = Date.now();
  try {
    const start = await settled(node);
    assert.equal(await round(clients, 'a'), 0, 'every read and subscribe succeeds');
    const first = await settled(node);
    assert.equal(await round(clients, 'b'), 0);
    const last = await settled(node);
    const channels = 2 * CLIENTS * (READS + SUBSCRIBES);
    console.log(
      `${label}: ${channels} channels read or subscribed in ${Date.now() - started} ms; heap after GC ` +
        `${mib(start.heap)} MiB before, ${mib(first.heap)} MiB after round 1, ${mib(last.heap)} MiB after ` +
        `round 2; RSS ${mib(start.rss)}, ${mib(first.rss)}, ${mib(last.rss)} MiB`,
    );
    return { start, first, last };
  } finally {
    for (const c of clients) c.close();
    memory.stop();
    memory.report(label);
  }
}

describe('resource: history reads and subscribes over many channels store nothing', () => {
  describe('memory engine', () => {
    let node: NodeProcess;
    before(async () => {
      node = await startCollectableNode('streams-memory', CONFIG);
    });
    after(() => node.stop());

    it(`${CLIENTS} clients x ${READS + SUBSCRIBES} channels, twice: the heap returns to where it was`, async () => {
      const { start, last } = await flood(node, 'memory engine');
      // Stored per channel (a record of some 200 bytes), two rounds of 120,000 channels keep 40+ MiB.
      assert.ok(last.heap - start.heap < 4 * MIB, `heap grew by ${mib(last.heap - start.heap)} MiB`);
    });
  });

  describe('redis engine', () => {
    let redis: RedisServer;
    let node: NodeProcess;
    before(async () => {
      redis = await startRedis();
      node = await startCollectableNode('streams-redis', {
        ...CONFIG,
        engine: { redis: { address: redis.url } },
      });
    });
    after(async () => {
      await node?.stop();
      await redis?.stop();
    });

    it(`${CLIENTS} clients x ${READS + SUBSCRIBES} channels, twice: Redis gains no key per channel, the node no heap`, async () => {
      const keysBefore = (await redisCommand(redis.port, ['KEYS', '*'])) as string[];
      const { start, last } = await flood(node, 'redis engine');
      const keysAfter = (await redisCommand(redis.port, ['KEYS', '*'])) as string[];
      const info = String(await redisCommand(redis.port, ['INFO', 'memory']));
      const used = /used_memory_human:(\S+)/.exec(info)?.[1];
      console.log(
        `redis engine: ${keysBefore.length} keys before, ${keysAfter.length} after; Redis used_memory ${used}`,
      );
      // The one key a read may create: the seed of the epochs of unpublished channels (one per
      // deployment outside Redis Cluster, one per slot in it), never a key per channel.
      const added = keysAfter.filter((key) => !keysBefore.includes(key));
      assert.ok(
        added.every((key) => key === 'switchboard:seed'),
        `reads and subscribes wrote keys to Redis: ${added.slice(0, 5).join(', ')}`,
      );
      assert.ok(added.length <= 1, `${added.length} keys added`);
      assert.ok(last.heap - start.heap < 4 * MIB, `heap grew by ${mib(last.heap - start.heap)} MiB`);
    });
  });
});
