/**
 * `GET /metrics` on a real node after real traffic: connections and subscriptions, commands by
 * result, publications and deliveries, server API calls, recovery outcomes, a slow client cut off
 * (with its queued bytes seen on the way), engine call latency on the memory engine and on Redis, and
 * the process metrics. `prometheus.enabled: false` removes the endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type RawClient,
  type RedisServer,
  rawConnect,
  startRedis,
  startTestNode,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { type Scrape, scrape } from './scrape.js';

const NO_PERSONAL = { subscribe_to_user_personal_channel: { enabled: false } };
const ROOM = { name: 'room', history_size: 10, history_ttl: '60s', force_recovery: true };

/** A raw client connected as `user`. */
async function client(node: TestNode, user: string): Promise<RawClient> {
  const c = await rawConnect(node.wsUrl);
  const reply = await c.call(1, 'connect', { token: await node.token(user) });
  assert.equal(reply['error'], undefined);
  return c;
}

function pushes(c: RawClient, channel: string): number {
  return c.received.filter(
    (m) =>
      (m['push'] as { channel?: string; pub?: unknown } | undefined)?.pub !== undefined &&
      (m['push'] as { channel: string }).channel === channel,
  ).length;
}

function diff(before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  return after.count(name, labels) - before.count(name, labels);
}

describe('metrics', () => {
  it('counts connections, subscriptions, commands, publications, API calls and recoveries', async () => {
    const node = await startTestNode({ client: NO_PERSONAL, channel: { namespaces: [ROOM] } });
    const clients: RawClient[] = [];
    try {
      const start = await scrape(node.baseUrl);
      assert.equal(start.get('switchboard_connections'), 0);
      assert.equal(start.get('switchboard_subscriptions'), 0);

      const alice = await client(node, 'alice');
      const bob = await client(node, 'bob');
      clients.push(alice, bob);
      const sub = await alice.call(2, 'subscribe', { channel: 'room:a' });
      assert.equal(sub['error'], undefined);
      assert.equal((await bob.call(2, 'subscribe', { channel: 'room:a' }))['error'], undefined);
      const { epoch } = sub['subscribe'] as { epoch: string };
      for (let i = 0; i < 3; i++) {
        assert.equal((await node.api('publish', { channel: 'room:a', data: { i } })).status, 200);
      }
      await waitFor(() => pushes(alice, 'room:a') === 3 && pushes(bob, 'room:a') === 3, 'six deliveries');
      // Bad commands: publishing is not allowed to clients here (103); an unknown method (104).
      assert.equal(
        ((await alice.call(3, 'publish', { channel: 'room:a', data: {} }))['error'] as { code: number }).code,
        103,
      );
      alice.send('{"id":4,"no_such_method":{}}');
      await waitFor(() => alice.received.some((m) => m['id'] === 4), 'reply to the unknown method');
      // Server API: a wrong key, an unknown method.
      const wrongKey = await fetch(`${node.baseUrl}/api/publish`, {
        method: 'POST',
        headers: { 'x-api-key': 'wrong' },
        body: '{}',
      });
      assert.equal(wrongKey.status, 401);
      assert.equal((await node.api('no_such_method', {})).status, 404);
      // Recovery: from offset 1 of the current epoch (recovered), and from a stale epoch (not).
      const carol = await client(node, 'carol');
      clients.push(carol);
      const good = await carol.call(2, 'subscribe', { channel: 'room:a', recover: true, epoch, offset: 1 });
      assert.equal((good['subscribe'] as { recovered: boolean }).recovered, true);
      const stale = await carol.call(3, 'subscribe', {
        channel: 'room:b',
        recover: true,
        epoch: 'gone',
        offset: 5,
      });
      // Not recovered: `recovered` is left out of the reply, as in Centrifugo.
      assert.equal((stale['subscribe'] as { recovered?: boolean }).recovered, undefined);

      const end = await scrape(node.baseUrl);
      assert.equal(end.get('switchboard_connections'), 3);
      assert.equal(end.get('switchboard_clients'), 3);
      assert.equal(end.get('switchboard_users'), 3);
      assert.equal(end.get('switchboard_subscriptions'), 4);
      assert.equal(end.get('switchboard_channels'), 2);
      assert.equal(diff(start, end, 'switchboard_commands_total', { method: 'connect', result: 'ok' }), 3);
      assert.equal(diff(start, end, 'switchboard_commands_total', { method: 'subscribe', result: 'ok' }), 4);
      assert.equal(diff(start, end, 'switchboard_commands_total', { method: 'publish', result: '103' }), 1);
      assert.equal(diff(start, end, 'switchboard_commands_total', { method: 'unknown', result: '104' }), 1);
      assert.equal(diff(start, end, 'switchboard_publications_received_total'), 3);
      assert.equal(diff(start, end, 'switchboard_deliveries_total'), 6);
      assert.equal(node.app.node.counters.deliveries, end.get('switchboard_deliveries_total'));
      const api = (labels: Record<string, string>): number =>
        diff(start, end, 'switchboard_api_calls_total', labels);
      assert.equal(api({ method: 'publish', status: '200', result: 'ok' }), 3);
      assert.equal(api({ method: 'publish', status: '401', result: '101' }), 1);
      assert.equal(api({ method: 'unknown', status: '404', result: '104' }), 1);
      assert.equal(diff(start, end, 'switchboard_recoveries_total', { recovered: 'true' }), 1);
      assert.equal(diff(start, end, 'switchboard_recoveries_total', { recovered: 'false' }), 1);
      // Every engine call is timed, on the memory engine too: 3 publishes, 2 positions and 2 recovery reads.
      const publishes = diff(start, end, 'switchboard_engine_duration_seconds_count', {
        operation: 'publish',
      });
      assert.equal(publishes, 3);
      assert.equal(
        diff(start, end, 'switchboard_engine_duration_seconds_count', { operation: 'history' }),
        4,
      );
      assert.equal(end.get('switchboard_outbound_queue_bytes'), 0);

      // Process metrics carry the prefix too, the event-loop lag among them.
      for (const name of [
        'switchboard_process_resident_memory_bytes',
        'switchboard_nodejs_eventloop_lag_seconds',
        'switchboard_nodejs_heap_size_used_bytes',
      ]) {
        assert.ok((end.get(name) ?? -1) >= 0, `${name} is exposed`);
      }
      for (const line of end.text.split('\n')) {
        if (line.startsWith('# TYPE ')) assert.match(line, /^# TYPE switchboard_/);
      }

      // Closing the clients brings the gauges back and counts no server disconnect.
      for (const c of clients) c.close();
      await waitFor(() => node.app.node.connections.size === 0, 'clients gone');
      const closed = await scrape(node.baseUrl);
      assert.equal(closed.get('switchboard_connections'), 0);
      assert.equal(closed.get('switchboard_subscriptions'), 0);
    } finally {
      for (const c of clients) c.close();
      await node.stop();
    }
  });

  it('counts a slow client cut off with 3008 and shows its queued bytes before', async () => {
    const node = await startTestNode({ client: { ...NO_PERSONAL, queue_max_size: 1024 * 1024 } });
    const slow = await client(node, 'slow');
    try {
      assert.equal((await slow.call(2, 'subscribe', { channel: 'firehose' }))['error'], undefined);
      // The socket is never read again: the kernel buffers fill, then the node's queue.
      slow.ws.pause();
      const start = await scrape(node.baseUrl);
      let queuedSeen = 0;
      const payload = 'x'.repeat(50 * 1024);
      // Bounded: 4,000 × 50 KiB is far beyond any socket buffer.
      for (let i = 0; i < 4000 && node.app.node.connections.size > 0; i++) {
        await node.api('publish', { channel: 'firehose', data: { i, payload } });
        const now = await scrape(node.baseUrl);
        queuedSeen = Math.max(queuedSeen, now.count('switchboard_outbound_queue_bytes'));
      }
      assert.equal(node.app.node.connections.size, 0, 'the slow client was disconnected');
      const end = await scrape(node.baseUrl);
      assert.ok(queuedSeen > 0, 'queued bytes were seen while the client did not read');
      assert.equal(end.get('switchboard_outbound_queue_bytes'), 0);
      assert.equal(diff(start, end, 'switchboard_slow_client_disconnects_total'), 1);
      assert.equal(diff(start, end, 'switchboard_disconnects_total', { code: '3008' }), 1);
      assert.equal(end.get('switchboard_connections'), 0);
    } finally {
      // A paused socket would not see the server's close; waiting for it takes 30 s.
      slow.ws.terminate();
      await node.stop();
    }
  });

  it('prometheus.enabled: false serves no /metrics', async () => {
    const node = await startTestNode({ prometheus: { enabled: false } });
    try {
      assert.equal((await fetch(`${node.baseUrl}/metrics`)).status, 404);
      assert.equal(node.app.node.metrics, undefined);
    } finally {
      await node.stop();
    }
  });

  it('answers 405 to a method other than GET or HEAD', async () => {
    const node = await startTestNode();
    try {
      const res = await fetch(`${node.baseUrl}/metrics`, { method: 'POST' });
      assert.equal(res.status, 405);
      const head = await fetch(`${node.baseUrl}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
    } finally {
      await node.stop();
    }
  });
});

describe('metrics with the Redis engine', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  it('times publish, history and presence calls to Redis', async () => {
    const node = await startTestNode({
      engine: { redis: { address: redis.url, prefix: `metrics-${process.pid}` } },
      channel: { namespaces: [{ ...ROOM, presence: true }] },
    });
    try {
      for (let i = 0; i < 5; i++) {
        assert.equal((await node.api('publish', { channel: 'room:r', data: { i } })).status, 200);
      }
      assert.equal((await node.api('history', { channel: 'room:r', limit: 10 })).status, 200);
      assert.equal((await node.api('presence', { channel: 'room:r' })).status, 200);
      assert.equal((await node.api('presence_stats', { channel: 'room:r' })).status, 200);
      const end = await scrape(node.baseUrl);
      const count = (operation: string): number =>
        end.count('switchboard_engine_duration_seconds_count', { operation });
      assert.equal(count('publish'), 5);
      assert.equal(count('history'), 1);
      assert.equal(count('presence'), 1);
      assert.equal(count('presence_stats'), 1);
      // A round trip to a real Redis takes time: the sum is positive and every sample is in +Inf.
      assert.ok(end.count('switchboard_engine_duration_seconds_sum', { operation: 'publish' }) > 0);
      assert.equal(
        end.count('switchboard_engine_duration_seconds_bucket', { operation: 'publish', le: '+Inf' }),
        5,
      );
      // The cluster announcements go through the engine's control channel.
      assert.ok(count('publish_control') >= 1);
    } finally {
      await node.stop();
    }
  });
});
