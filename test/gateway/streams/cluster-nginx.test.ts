/**
 * Three nodes in their own processes on one Redis behind nginx, strictly round-robin and without
 * sticky sessions, WebSocket refused by nginx (403):
 * - the SDK configured with websocket, http_stream and sse falls back to http_stream and works;
 * - the SDK's `/emulation` requests land on other nodes than its stream (nginx's access log says
 *   which) and still reach its session, in JSON and in Protobuf;
 * - the node holding a session is SIGKILLed while publications flow: the SDK reconnects through
 *   nginx to a live node and recovers what it missed, once and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import WebSocket from 'ws';
import {
  collect,
  type NodeProcess,
  sleep,
  startNodeProcess,
  startRedis,
  token,
  waitFor,
} from '../../harness/index.js';
import {
  type Encoding,
  numbers,
  publish,
  range,
  type StreamNginx,
  startStreamNginx,
  streamClient,
  streamConfig,
} from './helpers.js';

const NODES = 3;
const SETTLE_MS = 300;

describe('http_stream behind nginx round-robin, three nodes on one Redis', { timeout: 120_000 }, () => {
  const stops: (() => Promise<void>)[] = [];
  const clients: Centrifuge[] = [];
  let nodes: NodeProcess[];
  let nginx: StreamNginx;

  before(async () => {
    const redis = await startRedis();
    stops.push(() => redis.stop());
    nodes = await Promise.all(
      Array.from({ length: NODES }, (_, i) =>
        startNodeProcess(`stream-${i + 1}`, {
          ...streamConfig,
          engine: { redis: { address: redis.url } },
          client: { presence_update_interval: '1s' },
        }),
      ),
    );
    for (const node of nodes) stops.push(() => node.stop());
    // Every node must see the others before a forwarded request is routed (registry by heartbeat).
    await waitFor(
      async () => {
        const res = await nodes[0]!.api('info');
        return (res.body['result'] as { nodes: unknown[] }).nodes.length === NODES;
      },
      'the nodes see each other',
      15_000,
    );
    nginx = await startStreamNginx(
      nodes.map((n) => n.port),
      { blockWebSocket: true },
    );
    stops.push(() => nginx.stop());
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (let stop = stops.pop(); stop !== undefined; stop = stops.pop()) await stop().catch(() => {});
  });

  function client(
    user: string,
    encoding: Encoding,
    options: Record<string, unknown> = {},
  ): Promise<Centrifuge> {
    return token(user).then((t) => {
      const c = streamClient(nginx.baseUrl, ['websocket', 'http_stream', 'sse'], encoding, {
        token: t,
        websocket: WebSocket,
        ...options,
      });
      clients.push(c);
      return c;
    });
  }

  /** Connected clients per node port, from each node's own view. */
  async function clientsPerNode(): Promise<Map<number, number>> {
    const res = await nodes
      .find((n) => n.child.exitCode === null && n.child.signalCode === null)!
      .api('info');
    const info = (res.body['result'] as { nodes: { name: string; num_clients: number }[] }).nodes;
    return new Map(nodes.map((n) => [n.port, info.find((i) => i.name === n.name)?.num_clients ?? 0]));
  }

  it('falls back from the refused WebSocket to http_stream, and works', async () => {
    const c = await client('fallback', 'json');
    const transports: string[] = [];
    c.on('connected', (ctx) => transports.push(ctx.transport));
    const sub = c.newSubscription('chat:fallback');
    const got = collect(sub);
    sub.subscribe();
    c.connect();
    await sub.ready(10_000);
    assert.deepEqual(transports, ['http_stream']);
    assert.ok(
      nginx.accessLog().some((l) => l.uri.startsWith('/connection/websocket') && l.status === 403),
      'the SDK tried the WebSocket first and nginx refused it',
    );
    for (let n = 1; n <= 5; n++) await publish(nginx.baseUrl, 'chat:fallback', n);
    await waitFor(() => got.length >= 5, 'five publications', 5000);
    assert.deepEqual(numbers(got), range(1, 5));
    c.disconnect();
  });

  for (const encoding of ['json', 'protobuf'] as Encoding[]) {
    it(`${encoding}: emulation requests that land on other nodes still reach the session`, async () => {
      const user = `rr-${encoding}`;
      const c = await client(user, encoding);
      const channels = ['chat:rr-a', 'chat:rr-b', 'chat:rr-c', 'chat:rr-d'].map((ch) => `${ch}-${encoding}`);
      const got = new Map<string, PublicationContext[]>();
      c.connect();
      await c.ready(10_000);
      const linesBefore = nginx.accessLog().length;
      // Each subscribe, presence and history call is one `/emulation` request: many of them, so
      // round-robin spreads them over all three nodes.
      for (const channel of channels) {
        const sub = c.newSubscription(channel);
        got.set(channel, collect(sub));
        sub.subscribe();
        await sub.ready(5000);
      }
      for (const channel of channels) {
        await publish(nginx.baseUrl, channel, 1);
        const sub = c.getSubscription(channel)!;
        const presence = await sub.presence();
        assert.deepEqual(
          Object.values(presence.clients).map((i) => i.user),
          [user],
        );
        const history = await sub.history({ limit: -1 });
        assert.deepEqual(numbers(history.publications as PublicationContext[]), [1]);
      }
      for (const channel of channels) {
        await waitFor(() => got.get(channel)!.length >= 1, `publication on ${channel}`, 5000);
        assert.deepEqual(numbers(got.get(channel)!), [1]);
      }
      const rpc = await c.rpc('missing', {}).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
      assert.equal(rpc, 108, 'an RPC without a proxy is refused (108 not available), over emulation too');

      c.disconnect();
      // The stream's line is written once it ends.
      const lines = await waitFor(
        () => {
          const l = nginx.accessLog().slice(linesBefore);
          return l.some((x) => x.uri === '/connection/http_stream') && l;
        },
        'the stream in the access log',
        5000,
      );
      const stream = lines.find((l) => l.uri === '/connection/http_stream')!;
      const emulation = lines.filter((l) => l.uri === '/emulation');
      assert.ok(emulation.length >= channels.length * 3, `${emulation.length} emulation requests`);
      assert.deepEqual(
        emulation.filter((l) => l.status !== 204),
        [],
        'every emulation request was accepted',
      );
      const elsewhere = emulation.filter((l) => l.upstream !== stream.upstream);
      assert.ok(
        elsewhere.length >= emulation.length / 3,
        `emulation requests on other nodes than the stream's (${stream.upstream}): ${elsewhere.length} of ${emulation.length}`,
      );
      assert.equal(new Set(emulation.map((l) => l.upstream)).size, NODES, 'round-robin reached every node');
    });
  }

  it('a node killed mid-stream: the SDK reconnects to another node and recovers, once and in order', async () => {
    const c = await client('survivor', 'json');
    const sub = c.newSubscription('chat:kill');
    const got = collect(sub);
    const subscribed: { wasRecovering: boolean; recovered: boolean }[] = [];
    sub.on('subscribed', (ctx) =>
      subscribed.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }),
    );
    sub.subscribe();
    c.connect();
    await sub.ready(10_000);
    const perNode = await clientsPerNode();
    const victim = nodes.find((n) => perNode.get(n.port) === 1);
    assert.ok(victim !== undefined, `the node holding the session: ${JSON.stringify([...perNode])}`);
    const live = nodes.filter((n) => n !== victim);

    const total = 60;
    for (let n = 1; n <= total; n++) {
      if (n === 20) await victim.kill();
      // Through a live node's API directly: nginx could still pick the dead one and retry.
      await publish(live[n % live.length]!.baseUrl, 'chat:kill', n);
      await sleep(10);
    }
    await waitFor(() => got.length >= total, `${total} publications`, 15_000);
    await sleep(SETTLE_MS);
    assert.deepEqual(numbers(got), range(1, total), 'every publication once and in order');
    assert.deepEqual(
      got.map((p) => p.offset),
      range(1, total),
    );
    assert.ok(subscribed.length >= 2, 'resubscribed after the kill');
    assert.deepEqual(subscribed.at(-1), { wasRecovering: true, recovered: true });
    assert.equal(c.state, 'connected');
    const after = await clientsPerNode();
    assert.equal(
      live.reduce((sum, n) => sum + (after.get(n.port) ?? 0), 0),
      1,
      'the session is on a live node',
    );
  });
});
