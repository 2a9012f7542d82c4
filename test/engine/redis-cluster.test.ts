/**
 * Runs the engine conformance suites against a real three-master Redis Cluster, then checks the
 * cluster layout: a channel's keys share one slot on one shard, and its pub/sub is sharded.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { hashSlot, KeySpace } from '../../src/engine/redis/index.js';
import { brokerConformance } from '../conformance/broker-suite.js';
import { EventRecorder, numbered } from '../conformance/event-recorder.js';
import { clientInfo, uniqueChannel } from '../conformance/helpers.js';
import { historyConformance } from '../conformance/history-suite.js';
import { presenceConformance } from '../conformance/presence-suite.js';
import { stateConformance } from '../conformance/state-suite.js';
import { unicodeConformance } from '../conformance/unicode-suite.js';
import {
  REDIS_START_TIMEOUT_MS,
  type RedisClusterHandle,
  type RedisServer,
  redisCommand,
  startRedisCluster,
  waitFor,
} from '../harness/index.js';
import { redisConfig, redisFactory, uniquePrefix } from '../harness/redis-engines.js';
import { restartConformance } from './redis-restart-suite.js';
import { storedKeys } from './redis-stored.js';

let cluster: RedisClusterHandle;
before(async () => {
  cluster = await startRedisCluster(3);
});
after(async () => {
  await cluster.stop();
});

const prefix = uniquePrefix('cluster');
const factory = () =>
  redisFactory(() => ({ config: redisConfig({ cluster_address: cluster.addresses, prefix }) }));

const inspected = () =>
  Object.assign(factory(), {
    stored: (channel: string) =>
      storedKeys(
        cluster.nodes.map((n) => n.port),
        prefix,
        channel,
      ),
  });

brokerConformance('redis cluster', factory());
historyConformance('redis cluster', factory());
presenceConformance('redis cluster', factory());
stateConformance('redis cluster', inspected());
unicodeConformance('redis cluster', inspected());

/** The port of the master that owns `slot`, from CLUSTER SLOTS. */
async function ownerOf(slot: number): Promise<number | undefined> {
  const ranges = await redisCommand(cluster.nodes[0]!.port, ['CLUSTER', 'SLOTS']);
  for (const range of Array.isArray(ranges) ? ranges : []) {
    if (!Array.isArray(range)) continue;
    const [start, end, master] = range;
    if (Number(start) <= slot && slot <= Number(end) && Array.isArray(master)) return Number(master[1]);
  }
  return undefined;
}

/** The master that owns `channel`'s slot. */
async function ownerOfChannel(channel: string): Promise<RedisServer> {
  const topic = new KeySpace(prefix).topic(channel);
  const slot = Number(await redisCommand(cluster.nodes[0]!.port, ['CLUSTER', 'KEYSLOT', topic]));
  const port = await ownerOf(slot);
  const owner = cluster.nodes.find((n) => n.port === port);
  if (owner === undefined) throw new Error(`no master owns slot ${slot}`);
  return owner;
}

/** Kills `owner` and starts it again with its dir (and so its cluster config); waits for the cluster. */
async function restartMaster(owner: RedisServer): Promise<void> {
  await owner.kill();
  await owner.restartKeepingData();
  await Promise.all(
    cluster.nodes.map((node) =>
      waitFor(
        async () => String(await redisCommand(node.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
        `cluster_state:ok on ${node.address} after the restart`,
        REDIS_START_TIMEOUT_MS,
      ),
    ),
  );
}

describe('redis cluster: layout', () => {
  const nodes = factory();
  afterEach(async () => {
    await nodes.cleanup();
  });

  /** The ports of the nodes that hold `key` (EXISTS) — with one shard per slot, at most one. */
  async function holders(key: string): Promise<number[]> {
    const found: number[] = [];
    for (const node of cluster.nodes) {
      // A node answers MOVED (an error) for a slot it does not own.
      const exists = await redisCommand(node.port, ['EXISTS', key]).catch(() => 0);
      if (exists === 1) found.push(node.port);
    }
    return found;
  }

  it('keeps every key of a channel in one slot, on the shard that owns it', async () => {
    const [a] = await nodes.create(1);
    const keys = new KeySpace(prefix, { cluster: true });
    const channel = uniqueChannel('slot');
    await a!.broker.publish(channel, numbered(1), {
      history: { size: 10, ttlMs: 60_000, metaTtlMs: 600_000 },
      idempotencyKey: 'k1',
    });
    await a!.presence.add(channel, clientInfo('u1', 'c1'), 60_000);
    const k = keys.channel(channel);
    const names = [
      k.topic,
      k.stream,
      k.meta,
      k.presence,
      k.presenceExpiry,
      keys.idempotency(channel, 'k1'),
      keys.seed(k.topic),
    ];
    const slots = await Promise.all(
      names.map((name) => redisCommand(cluster.nodes[0]!.port, ['CLUSTER', 'KEYSLOT', name])),
    );
    assert.equal(new Set(slots).size, 1, `slots ${slots.join(', ')}`);
    const owners = new Set<number>();
    for (const key of names.slice(1)) {
      const found = await holders(key);
      assert.equal(found.length, 1, `${key} is on ${found.length} nodes`);
      owners.add(found[0]!);
    }
    assert.equal(owners.size, 1, 'all keys of the channel on one shard');
    assert.equal([...owners][0], await ownerOf(Number(slots[0])), 'the shard that owns the slot');
  });

  it('publishes with sharded pub/sub: the owning shard lists the channel while subscribed', async () => {
    const [a, b] = await nodes.create(2);
    const ra = await EventRecorder.start(a!.broker);
    const channel = uniqueChannel('sharded');
    const topic = new KeySpace(prefix).topic(channel);
    await a!.broker.subscribe([channel]);
    const listing = async (command: 'SHARDCHANNELS' | 'CHANNELS'): Promise<number[]> => {
      const ports: number[] = [];
      for (const node of cluster.nodes) {
        const reply = await redisCommand(node.port, ['PUBSUB', command, topic]);
        if (Array.isArray(reply) && reply.includes(topic)) ports.push(node.port);
      }
      return ports;
    };
    const sharded = await listing('SHARDCHANNELS');
    assert.equal(sharded.length, 1, 'exactly one shard holds the subscription');
    assert.deepEqual(await listing('CHANNELS'), [], 'no classic (cluster-wide) subscription');
    const slot = Number(await redisCommand(sharded[0]!, ['CLUSTER', 'KEYSLOT', topic]));
    assert.equal(sharded[0], await ownerOf(slot), 'the shard holding the subscription owns the slot');

    await b!.broker.publish(channel, numbered(1), {
      history: { size: 10, ttlMs: 60_000, metaTtlMs: 600_000 },
    });
    await b!.broker.publishJoin(channel, clientInfo('u1', 'c1'));
    const events = await ra.waitForChannel(channel, 2);
    assert.deepEqual(
      events.map((e) => e.type),
      ['publication', 'join'],
    );

    await a!.broker.unsubscribe([channel]);
    assert.deepEqual(await listing('SHARDCHANNELS'), [], 'unsubscribed everywhere');
  });

  it('keeps one seed key per slot that was read, not one per channel', async () => {
    const [a] = await nodes.create(1);
    const keys = new KeySpace(prefix);
    const channels = Array.from({ length: 3000 }, () => uniqueChannel('seeded'));
    await Promise.all(channels.map((channel) => a!.history.history(channel, { limit: 0 }, 600_000)));
    const slots = new Set(channels.map((channel) => hashSlot(keys.topic(channel))));
    const seeds: string[] = [];
    for (const node of cluster.nodes) {
      let cursor = '0';
      do {
        const [next, found] = (await redisCommand(node.port, [
          'SCAN',
          cursor,
          'MATCH',
          `${prefix}:seed:*`,
          'COUNT',
          '1000',
        ])) as [string, string[]];
        cursor = next;
        seeds.push(...found);
      } while (cursor !== '0');
    }
    // Earlier tests of this file read other channels, so there may be more seeds, never more than slots.
    assert.ok(seeds.length <= 16_384, `${seeds.length} seed keys`);
    const seeded = new Set(seeds.map((key) => hashSlot(key)));
    assert.equal(seeded.size, seeds.length, 'one seed key per slot');
    for (const slot of slots) assert.ok(seeded.has(slot), `slot ${slot} read but has no seed key`);
  });

  it('subscribes many channels spread over every shard in one call', async () => {
    const [a, b] = await nodes.create(2);
    const ra = await EventRecorder.start(a!.broker);
    const channels = Array.from({ length: 300 }, () => uniqueChannel('spread'));
    await a!.broker.subscribe(channels);
    await Promise.all(channels.map((channel, i) => b!.broker.publish(channel, numbered(i))));
    for (const [i, channel] of channels.entries()) {
      const [event] = await ra.waitForPublications(channel, 1);
      assert.equal(event!.pub.data, `{"n":${i}}`);
    }
    await a!.broker.unsubscribe(channels);
  });
});

// The harness' masters keep no data on disk: a restart that keeps it snapshots first (SAVE), one
// that does not removes any snapshot an earlier test left. Before "a master restarts", which is last.
restartConformance('redis cluster', {
  factory: factory(),
  async restartKeepingData(channel) {
    const owner = await ownerOfChannel(channel);
    await redisCommand(owner.port, ['SAVE'], 5000);
    await restartMaster(owner);
  },
  async restartWithoutData(channel) {
    const owner = await ownerOfChannel(channel);
    const [, dir] = (await redisCommand(owner.port, ['CONFIG', 'GET', 'dir'])) as [string, string];
    await owner.kill();
    rmSync(join(dir, 'dump.rdb'), { force: true });
    await restartMaster(owner);
  },
  async flush(channel) {
    await redisCommand((await ownerOfChannel(channel)).port, ['FLUSHALL']);
  },
});

describe('redis cluster: a master restarts', () => {
  const commandTimeoutMs = 500;
  const nodes = redisFactory(() => ({
    config: redisConfig({ cluster_address: cluster.addresses, prefix, command_timeout: commandTimeoutMs }),
  }));
  afterEach(async () => {
    await nodes.cleanup();
  });

  // Last in the file: the master comes back empty (its cluster config survives, its data does not).
  it('fails calls to its slots fast, then subscribes its channels again and says so', async () => {
    const [a, b] = await nodes.create(2);
    const ra = await EventRecorder.start(a!.broker);
    const channel = uniqueChannel('master-restart');
    await a!.broker.subscribe([channel]);
    await b!.broker.publish(channel, numbered(1));
    await ra.waitForPublications(channel, 1);
    const slot = Number(
      await redisCommand(cluster.nodes[0]!.port, ['CLUSTER', 'KEYSLOT', new KeySpace(prefix).topic(channel)]),
    );
    const ranges = await redisCommand(cluster.nodes[0]!.port, ['CLUSTER', 'SLOTS']);
    let ownerPort = 0;
    for (const range of Array.isArray(ranges) ? ranges : []) {
      if (
        Array.isArray(range) &&
        Number(range[0]) <= slot &&
        slot <= Number(range[1]) &&
        Array.isArray(range[2])
      ) {
        ownerPort = Number(range[2][1]);
      }
    }
    const owner = cluster.nodes.find((n) => n.port === ownerPort)!;

    await owner.kill();
    const start = performance.now();
    await assert.rejects(b!.broker.publish(channel, numbered(0)), { code: 'ENGINE_UNAVAILABLE' });
    const took = performance.now() - start;
    assert.ok(took < commandTimeoutMs + 500, `publish to a dead shard failed after ${Math.round(took)} ms`);

    await owner.restartKeepingData();
    await waitFor(() => ra.events.some((e) => e.type === 'resubscribed'), 'resubscribed', 10_000);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await b!.broker.publish(channel, numbered(2));
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const events = await ra.waitForPublications(channel, 2);
    assert.equal(events.at(-1)!.pub.data, '{"n":2}');
    assert.equal(
      ra.events.filter((e) => e.type === 'resubscribed').length,
      1,
      'one resubscribed per interruption, not a stream of them',
    );
  });
});
