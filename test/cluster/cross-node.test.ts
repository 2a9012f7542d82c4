import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import {
  collect,
  connected,
  type NodeProcess,
  newClient,
  type RedisServer,
  sleep,
  startRedis,
  token,
  waitFor,
} from '../harness/index.js';
import { assertExactlyOnce, startCluster, stopAll } from './helpers.js';

describe('a cluster of three nodes on one Redis', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  const clients: Centrifuge[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await startCluster(redis.url, 3);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stopAll(nodes);
    await redis?.stop();
  });

  async function clientOnNode(node: NodeProcess, user: string): Promise<Centrifuge> {
    const client = newClient(node.wsUrl, { token: await token(user) });
    clients.push(client);
    client.connect();
    await connected(client);
    return client;
  }

  it('lists every live node in info, from any node', async () => {
    for (const node of nodes) {
      const names = async () => {
        const res = await node.api('info');
        return (res.body['result'] as { nodes: { name: string }[] }).nodes.map((n) => n.name).sort();
      };
      const deadline = Date.now() + 8000;
      while ((await names()).length < 3 && Date.now() < deadline) await sleep(100);
      assert.deepEqual(await names(), ['node-1', 'node-2', 'node-3']);
    }
  });

  it('delivers a publication made on one node to subscribers on every node', async () => {
    const got: PublicationContext[][] = [];
    for (const [i, node] of nodes.entries()) {
      const client = await clientOnNode(node, `cross-${i}`);
      const sub = client.newSubscription('room:cross');
      got.push(collect(sub));
      sub.subscribe();
      await sub.ready(3000);
    }
    for (let n = 0; n < 20; n++) {
      const res = await nodes[n % 3]!.api('publish', { channel: 'room:cross', data: { n } });
      assert.equal((res.body['result'] as { offset: number }).offset, n + 1);
    }
    await waitFor(() => got.every((g) => g.length === 20), 'all publications on all nodes');
    for (const [i, g] of got.entries()) assertExactlyOnce(g, 20, `client on node ${i + 1}`);
  });

  it('sees presence, channels, history and connections cluster-wide', async () => {
    const a = await clientOnNode(nodes[0]!, 'alice');
    const b = await clientOnNode(nodes[1]!, 'bob');
    for (const client of [a, b]) {
      const sub = client.newSubscription('room:wide');
      sub.subscribe();
      await sub.ready(3000);
    }
    await nodes[2]!.api('publish', { channel: 'room:wide', data: { x: 1 } });
    const stats = await nodes[2]!.api('presence_stats', { channel: 'room:wide' });
    assert.deepEqual(stats.body['result'], { num_clients: 2, num_users: 2 });
    const channels = await nodes[2]!.api('channels', { pattern: 'room:wide' });
    assert.deepEqual(channels.body['result'], { channels: { 'room:wide': { num_clients: 2 } } });
    const history = await nodes[2]!.api('history', { channel: 'room:wide', limit: -1 });
    assert.equal((history.body['result'] as { publications: unknown[] }).publications.length, 1);
    const where = await nodes[2]!.api('connections', { user: 'bob' });
    const entries = Object.values(
      (where.body['result'] as { connections: Record<string, { node_name: string }> }).connections,
    );
    assert.deepEqual(
      entries.map((e) => e.node_name),
      ['node-2'],
    );
  });

  it('delivers each message exactly once to a user connected on two nodes (the duplicate-delivery trap)', async () => {
    const u1 = await clientOnNode(nodes[0]!, 'dup-user');
    const u2 = await clientOnNode(nodes[1]!, 'dup-user');
    const other = await clientOnNode(nodes[2]!, 'dup-other');
    const personal: PublicationContext[][] = [[], []];
    for (const [i, client] of [u1, u2].entries()) {
      client.on('publication', (ctx) => {
        if (ctx.channel === '#dup-user') personal[i]!.push(ctx);
      });
    }
    const channelGot: PublicationContext[][] = [];
    for (const client of [u1, u2, other]) {
      const sub = client.newSubscription('room:dup');
      channelGot.push(collect(sub));
      sub.subscribe();
      await sub.ready(3000);
    }
    const commands = [];
    for (let n = 0; n < 1000; n++) {
      commands.push({ publish: { channel: 'room:dup', data: { n } } });
      commands.push({ publish: { channel: '#dup-user', data: { n } } });
    }
    // Two batches of 1,000 commands (the batch limit), through two different nodes, in order.
    for (const [i, part] of [commands.slice(0, 1000), commands.slice(1000)].entries()) {
      const res = await nodes[i]!.api('batch', { commands: part });
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body['replies']), JSON.stringify(res.body).slice(0, 200));
    }
    await waitFor(
      () => channelGot.every((g) => g.length >= 1000) && personal.every((p) => p.length >= 1000),
      '1000 + 1000 messages everywhere',
      20_000,
    );
    await sleep(300);
    for (const [i, g] of channelGot.entries()) assertExactlyOnce(g, 1000, `room:dup on connection ${i + 1}`);
    for (const [i, p] of personal.entries()) assertExactlyOnce(p, 1000, `#dup-user on connection ${i + 1}`);
  });
});
