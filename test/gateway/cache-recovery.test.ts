/**
 * Cache recovery mode over raw sockets (`force_recovery_mode: "cache"`, Centrifugo's
 * `RecoveryModeCache`): a recovering subscribe gets the channel's latest publication, whatever its
 * position, unless it holds that one already; `auto_cache_recover` does it on every subscribe,
 * server-side subscriptions at connect included, but not the server API's `subscribe`. Both engines.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from '../config/assert-config-error.js';
import { waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { type RawClient, rawConnect } from '../harness/raw-client.js';
import { type RedisServer, startRedis } from '../harness/redis.js';
import { uniquePrefix } from '../harness/redis-engines.js';

const CELL = { history_size: 1, history_ttl: '300s', force_recovery: true, force_recovery_mode: 'cache' };
const namespaces = [
  { name: 'kv', ...CELL },
  { name: 'auto', ...CELL, auto_cache_recover: true },
];

type Json = Record<string, unknown>;

for (const engine of ['memory', 'redis'] as const)
  describe(`cache recovery mode (${engine} engine)`, () => {
    let redis: RedisServer | undefined;
    let node: TestNode;
    const clients: RawClient[] = [];
    before(async () => {
      if (engine === 'redis') redis = await startRedis();
      node = await startTestNode({
        channel: { namespaces },
        client: { subscribe_to_user_personal_channel: { enabled: false } },
        ...(redis === undefined
          ? {}
          : { engine: { redis: { address: redis.url, prefix: uniquePrefix('cache') } } }),
      });
    });
    afterEach(() => {
      for (const c of clients.splice(0)) c.ws.terminate();
    });
    after(async () => {
      await node?.stop();
      await redis?.stop();
    });

    async function connected(connect: Json = {}, claims: Json = {}): Promise<{ c: RawClient; reply: Json }> {
      const c = await rawConnect(node.wsUrl);
      clients.push(c);
      const reply = await c.call(1, 'connect', { token: await node.token('alice', claims), ...connect });
      assert.ok(reply['connect'], JSON.stringify(reply));
      return { c, reply: reply['connect'] as Json };
    }

    async function publish(channel: string, from: number, to: number): Promise<void> {
      for (let n = from; n <= to; n++) await node.api('publish', { channel, data: { n } });
    }

    async function subscribe(params: Json): Promise<Json> {
      const { c } = await connected();
      const reply = await c.call(2, 'subscribe', params);
      assert.ok(reply['subscribe'], JSON.stringify(reply));
      return reply['subscribe'] as Json;
    }

    const data = (result: Json) =>
      ((result['publications'] as Json[] | undefined) ?? []).map((p) => p['data']);

    it('recover without a position: the latest publication only', async () => {
      await publish('kv:a', 1, 3);
      const result = await subscribe({ channel: 'kv:a', recover: true, flag: 2 });
      assert.equal(result['recovered'], true);
      assert.equal(result['was_recovering'], true);
      assert.deepEqual(data(result), [{ n: 3 }]);
      assert.equal('offset' in result, false, 'echoes the offset 0 the client sent');
    });

    it('a client holding the latest gets nothing more; an old position or epoch gets the latest', async () => {
      await publish('kv:b', 1, 2);
      const top = await subscribe({ channel: 'kv:b' });
      assert.deepEqual([top['offset'], data(top)], [2, []], 'no recover, not auto: no publication');
      const same = await subscribe({ channel: 'kv:b', recover: true, epoch: top['epoch'], offset: 2 });
      assert.deepEqual([same['recovered'], same['offset'], data(same)], [true, 2, []]);
      await publish('kv:b', 3, 4);
      const old = await subscribe({ channel: 'kv:b', recover: true, epoch: top['epoch'], offset: 2 });
      assert.deepEqual([old['recovered'], old['offset'], data(old)], [true, 2, [{ n: 4 }]]);
      const other = await subscribe({ channel: 'kv:b', recover: true, epoch: 'elsewhere', offset: 9 });
      assert.deepEqual([other['recovered'], data(other)], [true, [{ n: 4 }]]);
    });

    it('an empty cache is not recovered, and not refused with 112 even with flag 2', async () => {
      const result = await subscribe({ channel: 'kv:empty', recover: true, flag: 2 });
      assert.deepEqual(Object.keys(result).sort(), ['epoch', 'positioned', 'recoverable', 'was_recovering']);
    });

    it('live publications follow the recovered one without a gap or a repeat', async () => {
      await publish('kv:live', 1, 1);
      const { c } = await connected();
      const result = (await c.call(2, 'subscribe', { channel: 'kv:live', recover: true }))[
        'subscribe'
      ] as Json;
      assert.deepEqual(data(result), [{ n: 1 }]);
      await publish('kv:live', 2, 3);
      const pubs = (): Json[] =>
        c.received.flatMap((m) => {
          const pub = (m['push'] as Json | undefined)?.['pub'] as Json | undefined;
          return pub === undefined ? [] : [pub];
        });
      await waitFor(() => pubs().length === 2, 'two live publications');
      assert.deepEqual(
        pubs().map((p) => p['offset']),
        [2, 3],
      );
    });

    it('auto_cache_recover: a subscribe without recover gets the latest', async () => {
      await publish('auto:a', 1, 2);
      const result = await subscribe({ channel: 'auto:a' });
      assert.deepEqual(
        [result['was_recovering'], result['recovered'], data(result)],
        [true, true, [{ n: 2 }]],
      );
    });

    it('auto_cache_recover: a server-side subscription gets the latest at every connect', async () => {
      await publish('auto:srv', 1, 2);
      const first = (await connected({}, { channels: ['auto:srv'] })).reply;
      const sub = (first['subs'] as Record<string, Json>)['auto:srv']!;
      assert.deepEqual([sub['recovered'], data(sub)], [true, [{ n: 2 }]]);
      const position = { recover: true, epoch: sub['epoch'], offset: 2 };
      const again = (await connected({ subs: { 'auto:srv': position } }, { channels: ['auto:srv'] })).reply;
      const resub = (again['subs'] as Record<string, Json>)['auto:srv']!;
      assert.deepEqual([resub['recovered'], resub['offset'], data(resub)], [true, 2, []]);
    });

    it('auto_cache_recover does not apply to the server API subscribe (as in Centrifugo)', async () => {
      await publish('auto:api', 1, 1);
      const { c } = await connected();
      await node.api('subscribe', { user: 'alice', channel: 'auto:api' });
      const push = () => c.received.find((m) => (m['push'] as Json | undefined)?.['subscribe'] !== undefined);
      await waitFor(() => push() !== undefined, 'the subscribe push');
      const result = (push()!['push'] as Json)['subscribe'] as Json;
      assert.equal('publications' in result, false);
      assert.equal('was_recovering' in result, false);
    });
  });

describe('cache recovery config', () => {
  const ns = (extra: Json) => ({ channel: { namespaces: [{ name: 'kv', ...extra }] } });

  it('force_recovery_mode is "stream" (default, or "") or "cache"', () => {
    assert.equal(resolveConfig(ns({})).channel.namespaces[0]?.force_recovery_mode, 'stream');
    assert.equal(
      resolveConfig(ns({ force_recovery_mode: '' })).channel.namespaces[0]?.force_recovery_mode,
      'stream',
    );
    assert.equal(resolveConfig(ns(CELL)).channel.namespaces[0]?.force_recovery_mode, 'cache');
    const error = assertConfigError(
      () => resolveConfig(ns({ force_recovery_mode: 'latest' })),
      'channel.namespaces[0].force_recovery_mode',
    );
    assert.match(error.message, /"stream" or "cache"/);
  });

  it('auto_cache_recover needs force_recovery and force_recovery_mode "cache"', () => {
    const { force_recovery_mode: _mode, ...stream } = CELL;
    assertConfigError(
      () => resolveConfig(ns({ ...stream, auto_cache_recover: true })),
      'channel.namespaces[0].auto_cache_recover',
    );
    assertConfigError(
      () =>
        resolveConfig(ns({ ...CELL, force_recovery: false, allow_recovery: true, auto_cache_recover: true })),
      'channel.namespaces[0].auto_cache_recover',
    );
    assertConfigError(
      () => resolveConfig({ channel: { without_namespace: { auto_cache_recover: true } } }),
      'channel.without_namespace.auto_cache_recover',
    );
  });
});
