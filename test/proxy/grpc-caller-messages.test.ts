/**
 * GrpcProxyCaller against real @grpc/grpc-js servers on 127.0.0.1, the messages: every proxy kind
 * end to end (request fields as the backend decodes them, results as the caller returns them,
 * bytes as Buffers and 64-bit integers as numbers), and the responses passed through or rejected:
 * errors and disconnects (code 0 when none), an absent or empty result, a response that does not
 * decode and a gRPC status from the backend (reason response).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Server, ServerCredentials, type ServiceDefinition, type sendUnaryData } from '@grpc/grpc-js';
import type { ProxyKind, ProxyRequest } from '../../src/proxy/caller.js';
import { setup } from '../harness/index.js';
import { backend, caller, type Fields, failure, json, listen, PACKAGE } from './grpc-caller-fixture.js';

/** One kind end to end: what is sent, what the backend decodes, what it answers. */
interface RoundTrip {
  kind: ProxyKind;
  method: string;
  request: ProxyRequest;
  /** The request as the backend decodes it (int64 as strings); the request itself when omitted. */
  decoded?: Fields;
  answer: Fields;
}

const base = { client: 'c-1', transport: 'websocket', protocol: 'json', encoding: 'json' };

const ROUND_TRIPS: RoundTrip[] = [
  {
    kind: 'connect',
    method: 'Connect',
    request: { ...base, data: json({ hello: 1 }), name: 'app', version: '1.2', channels: ['a', 'b'] },
    answer: {
      result: {
        user: 'u-1',
        expire_at: 4_102_444_800,
        info: json({ name: 'Ann' }),
        data: Buffer.from([0, 1, 2, 255]),
        channels: ['news'],
        subs: {
          news: {
            info: json({ seat: 3 }),
            data: json({ welcome: true }),
            expire_at: 4_102_444_801,
            override: { presence: { value: true }, join_leave: {} },
          },
          'chat:1': { b64data: 'e30=' },
        },
        meta: json({ plan: 'pro' }),
        caps: [{ channels: ['c'], allow: ['sub'], match: 'wildcard' }],
        labels: { tier: 'gold' },
      },
    },
  },
  {
    kind: 'refresh',
    method: 'Refresh',
    request: { ...base, user: 'u-1', meta: json({ plan: 'pro' }), labels: { tier: 'gold' } },
    answer: { result: { expire_at: 2 ** 40, info: json({ name: 'Bob' }), meta: json({ m: 2 }) } },
  },
  {
    kind: 'subscribe',
    method: 'Subscribe',
    request: { ...base, user: 'u-1', channel: 'chat:1', token: 'sub-token', meta: json({}), data: json([1]) },
    answer: {
      result: {
        expire_at: 1_900_000_000,
        info: json({ role: 'mod' }),
        data: json({ greeting: 'hi' }),
        override: { force_recovery: { value: true } },
        allow: ['pub'],
        server_tags_filter: { op: 'and', nodes: [{ key: 'k', cmp: 'eq', val: 'v' }] },
      },
    },
  },
  {
    kind: 'publish',
    method: 'Publish',
    request: { ...base, user: 'u-1', channel: 'chat:1', data: json({ text: 'hello' }), meta: json({ m: 1 }) },
    answer: {
      result: {
        data: json({ text: 'HELLO' }),
        skip_history: true,
        tags: { lang: 'en', empty: '' },
        idempotency_key: 'ik-1',
        delta: true,
        version: 7,
        version_epoch: 'ep',
      },
    },
  },
  {
    kind: 'rpc',
    method: 'RPC',
    request: { ...base, user: 'u-1', method: 'getUser', data: json({ id: 5 }), labels: { a: 'b' } },
    answer: { result: { data: json({ id: 5, name: 'Ann' }) } },
  },
  {
    kind: 'sub_refresh',
    method: 'SubRefresh',
    request: { ...base, user: 'u-1', channel: 'chat:1', meta: json({ m: 3 }) },
    answer: { result: { expired: true, expire_at: 1, info: json({ again: true }) } },
  },
  {
    kind: 'user_online',
    method: 'UserOnline',
    request: {
      user: 'u-1',
      version: 2 ** 40 + 5,
      idempotency_key: 'on-1',
      time_ms: 1_700_000_000_123,
      node: 'n-1',
    },
    decoded: {
      user: 'u-1',
      version: '1099511627781',
      idempotency_key: 'on-1',
      time_ms: '1700000000123',
      node: 'n-1',
    },
    answer: {},
  },
  {
    kind: 'user_offline',
    method: 'UserOffline',
    request: { user: 'u-2', version: 3, idempotency_key: 'off-3', time_ms: 1_700_000_000_999, node: 'n-2' },
    decoded: { user: 'u-2', version: '3', idempotency_key: 'off-3', time_ms: '1700000000999', node: 'n-2' },
    answer: { error: { code: 1001, message: 'try later', temporary: true } },
  },
];

describe('GrpcProxyCaller', () => {
  describe('every kind round-trips', () => {
    for (const trip of ROUND_TRIPS) {
      it(`${trip.kind} calls ${trip.method}`, async () => {
        await using t = setup();
        const server = await backend(t);
        server.answer = () => trip.answer;
        const response = await caller(t, server.port).call(trip.kind, trip.request, {});
        assert.equal(server.received.length, 1);
        assert.equal(server.received[0]!.method, trip.method);
        assert.deepEqual(server.received[0]!.request, trip.decoded ?? trip.request);
        assert.deepEqual(response, trip.answer);
      });
    }

    it('returns bytes as Buffers and 64-bit integers as numbers', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = () => ROUND_TRIPS[0]!.answer;
      const { result } = await caller(t, server.port).call('connect', { client: 'c' }, {});
      assert.ok(result !== undefined);
      assert.ok(Buffer.isBuffer(result.info), 'info is a Buffer');
      assert.equal(result.expire_at, 4_102_444_800);
      const subs = result.subs as Record<string, Fields>;
      assert.ok(Buffer.isBuffer(subs.news!.data), 'subs.news.data is a Buffer');
      assert.equal(JSON.parse((subs.news!.data as Buffer).toString()).welcome, true);
    });
  });

  describe('responses', () => {
    it('passes an error through, without a result', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = () => ({ error: { code: 4001, message: 'not allowed', temporary: true } });
      const response = await caller(t, server.port).call('subscribe', { channel: 'x' }, {});
      assert.deepEqual(response, { error: { code: 4001, message: 'not allowed', temporary: true } });
      assert.ok(!('result' in response));
    });

    it('passes a disconnect through', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = () => ({ disconnect: { code: 4501, reason: 'banned' } });
      const response = await caller(t, server.port).call('connect', {}, {});
      assert.deepEqual(response, { disconnect: { code: 4501, reason: 'banned' } });
    });

    it('gives an error or a disconnect without a code the code 0', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = (method) => (method === 'RPC' ? { error: { message: 'oops' } } : { disconnect: {} });
      const c = caller(t, server.port);
      assert.deepEqual(await c.call('rpc', {}, {}), { error: { code: 0, message: 'oops' } });
      assert.deepEqual(await c.call('refresh', {}, {}), { disconnect: { code: 0 } });
    });

    it('leaves result out when the backend set none, and keeps an empty one', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = (method) => (method === 'Connect' ? {} : { result: {} });
      const c = caller(t, server.port);
      const none = await c.call('connect', {}, {});
      assert.deepEqual(none, {});
      assert.ok(!('result' in none) && !('error' in none) && !('disconnect' in none));
      assert.deepEqual(await c.call('subscribe', {}, {}), { result: {} });
    });

    it('rejects a response that does not decode (reason response)', async () => {
      await using t = setup();
      const server = t.defer(new Server(), (s) => s.forceShutdown());
      const raw = (b: Buffer): Buffer => b;
      const broken: ServiceDefinition = {
        Connect: {
          path: `/${PACKAGE}.CentrifugoProxy/Connect`,
          requestStream: false,
          responseStream: false,
          requestSerialize: raw,
          requestDeserialize: raw,
          responseSerialize: raw,
          responseDeserialize: raw,
        },
      };
      server.addService(broken, {
        // Field 1, length 5, then one byte: truncated.
        Connect: (_call: unknown, callback: sendUnaryData<Buffer>) =>
          callback(null, Buffer.from([0x0a, 0x05, 0x01])),
      });
      const port = await listen(server, 0, ServerCredentials.createInsecure());
      const error = await failure(caller(t, port).call('connect', {}, {}));
      assert.equal(error.reason, 'response');
      assert.match(error.message, /INTERNAL/);
    });

    it('rejects a status from the backend (reason response), naming it', async () => {
      await using t = setup();
      const server = await backend(t, { userEvents: false });
      const error = await failure(caller(t, server.port).call('user_online', { user: 'u' }, {}));
      assert.equal(error.reason, 'response');
      assert.match(error.message, /UNIMPLEMENTED/);
      assert.match(error.message, /test-proxy/);
    });
  });
});
