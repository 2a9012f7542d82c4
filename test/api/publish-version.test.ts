/**
 * `version` and `version_epoch` on the server API's publish and broadcast, on both engines: a
 * stale publication is neither delivered (the SDK's subscription never sees it) nor kept in history,
 * and its result is the stream's current position, as Centrifugo answers it.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Publisher } from '../../packages/publisher/src/index.js';
import {
  errorCode,
  type RawClient,
  type RedisServer,
  rawConnect,
  sleep,
  startRedis,
  startTestNode,
  TEST_API_KEY,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { uniquePrefix } from '../harness/redis-engines.js';
import { apiError, Clients } from './helpers.js';

const CHANNELS = {
  namespaces: [
    {
      name: 'state',
      history_size: 10,
      history_ttl: '300s',
      force_recovery: true,
      allow_subscribe_for_client: true,
      allow_history_for_client: true,
    },
  ],
};

for (const engine of ['memory', 'redis'] as const) {
  describe(`server API: publish with version (${engine} engine)`, () => {
    let redis: RedisServer | undefined;
    let node: TestNode;
    const clients = new Clients(() => node);
    before(async () => {
      if (engine === 'redis') redis = await startRedis();
      node = await startTestNode({
        channel: CHANNELS,
        ...(redis === undefined
          ? {}
          : { engine: { redis: { address: redis.url, prefix: uniquePrefix('v') } } }),
      });
    });
    afterEach(() => clients.closeAll());
    after(async () => {
      await node?.stop();
      await redis?.stop();
    });

    it('drops stale versions: the subscriber and history see only the newer states', async () => {
      const got = await clients.subscribed('reader', 'state:doc');
      const results = [];
      for (const [n, version, version_epoch] of [
        [1, 1],
        [2, 3],
        [3, 2], // stale
        [4, 3], // stale: not above
        [5, 1, 'restart'], // another epoch starts over
        [6, 1, ''], // no epoch: compared with the stored one
      ] as [number, number, string?][]) {
        const res = await node.api('publish', { channel: 'state:doc', data: { n }, version, version_epoch });
        assert.equal(res.status, 200);
        results.push(res.body['result'] as { offset: number; epoch: string });
      }
      const epoch = results[0]!.epoch;
      assert.deepEqual(results, [
        { offset: 1, epoch },
        { offset: 2, epoch },
        { offset: 2, epoch },
        { offset: 2, epoch },
        { offset: 3, epoch },
        { offset: 3, epoch },
      ]);
      await waitFor(() => got.length === 3, 'three publications');
      await sleep(100);
      assert.deepEqual(
        got.map((p) => [(p.data as { n: number }).n, p.offset]),
        [
          [1, 1],
          [2, 2],
          [5, 3],
        ],
      );
      const history = await node.api('history', { channel: 'state:doc', limit: -1 });
      const pubs = (history.body['result'] as { publications: { data: { n: number } }[] }).publications;
      assert.deepEqual(
        pubs.map((p) => p.data.n),
        [1, 2, 5],
      );
    });

    it('clients get the version on the publication (push, history, recovery); the API history does not', async () => {
      const c: RawClient = await rawConnect(node.wsUrl);
      try {
        assert.equal(errorCode(await c.call(1, 'connect', { token: await node.token('raw') })), undefined);
        const sub = await c.call(2, 'subscribe', { channel: 'state:raw' });
        const epoch = (sub['subscribe'] as { epoch: string }).epoch;
        await node.api('publish', { channel: 'state:raw', data: { n: 1 }, version: 7 });
        await node.api('publish', { channel: 'state:raw', data: { n: 2 } });
        await waitFor(() => c.received.filter((m) => m['push'] !== undefined).length === 2, 'two pushes');
        assert.deepEqual(
          c.received.filter((m) => m['push'] !== undefined).map((m) => (m['push'] as { pub: unknown }).pub),
          [
            { data: { n: 1 }, offset: 1, epoch, version: 7 },
            { data: { n: 2 }, offset: 2 },
          ],
        );
        const history = await c.call(3, 'history', { channel: 'state:raw', limit: 10 });
        const pubs = (history['history'] as { publications: Record<string, unknown>[] }).publications;
        assert.deepEqual(
          pubs.map((p) => p['version']),
          [7, undefined],
        );
        await c.call(4, 'unsubscribe', { channel: 'state:raw' });
        const again = await c.call(5, 'subscribe', { channel: 'state:raw', recover: true, epoch, offset: 0 });
        const recovered = (again['subscribe'] as { publications: Record<string, unknown>[] }).publications;
        assert.deepEqual(
          recovered.map((p) => p['version']),
          [7, undefined],
        );
        const api = await node.api('history', { channel: 'state:raw', limit: 10 });
        const apiPubs = (api.body['result'] as { publications: Record<string, unknown>[] }).publications;
        assert.deepEqual(
          apiPubs.map((p) => 'version' in p),
          [false, false],
        );
      } finally {
        c.close();
      }
    });

    it('broadcast applies the version to each channel on its own', async () => {
      await node.api('publish', { channel: 'state:b1', data: 0, version: 5 });
      const res = await node.api('broadcast', { channels: ['state:b1', 'state:b2'], data: 1, version: 3 });
      const responses = (res.body['result'] as { responses: { result: { offset: number } }[] }).responses;
      assert.deepEqual(
        responses.map((r) => r.result.offset),
        [1, 1],
        'stale on b1 (its top, offset 1), published on b2 (offset 1)',
      );
      const b1 = await node.api('history', { channel: 'state:b1', limit: -1 });
      assert.equal((b1.body['result'] as { publications: unknown[] }).publications.length, 1);
    });

    it('the publisher sends version and version_epoch', async () => {
      const publisher = new Publisher({ url: node.baseUrl, apiKey: TEST_API_KEY });
      const first = await publisher.publish({
        channel: 'state:pub',
        data: 1,
        version: 2,
        version_epoch: 'e1',
      });
      const stale = await publisher.publish({
        channel: 'state:pub',
        data: 2,
        version: 1,
        version_epoch: 'e1',
      });
      const other = await publisher.publish({
        channel: 'state:pub',
        data: 3,
        version: 1,
        version_epoch: 'e2',
      });
      assert.deepEqual([first.offset, stale.offset, other.offset], [1, 1, 2]);
    });

    it('refuses a version that is not an integer >= 0 and a version_epoch that is not a string', async () => {
      for (const params of [{ version: -1 }, { version: 1.5 }, { version: '2' }, { version_epoch: 7 }]) {
        const res = await node.api('publish', { channel: 'state:bad', data: 1, ...params });
        assert.equal(apiError(res.body).code, 107, JSON.stringify(params));
      }
      const zero = await node.api('publish', { channel: 'state:bad', data: 1, version: 0 });
      assert.equal((zero.body['result'] as { offset: number }).offset, 1, 'version 0 is no version');
    });
  });
}
