/**
 * GrpcProxyCaller against real @grpc/grpc-js servers on 127.0.0.1: every proxy kind end to end
 * (request fields as the backend decodes them, results as the caller returns them), errors and
 * disconnects, metadata, deadlines, backends down, restarted and misbehaving, cancellation, gzip on
 * the wire (counted through a TCP relay) and TLS.
 *
 * The backends load `proxy.proto` on their own, with 64-bit integers as strings, so what they
 * receive is checked independently of the caller's loader options.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { proxyEndpointSchema } from '../../src/config/proxy-schema.js';
import { type ProxyKind, type ProxyRequest, ProxyUnavailableError } from '../../src/proxy/caller.js';
import { GrpcProxyCaller } from '../../src/proxy/grpc/grpc-caller.js';
import { proxyProtoPath } from '../../src/proxy/grpc/proxy-definition.js';
import { freePort, setup, sleep, type TestScope, waitFor } from '../harness/index.js';

type Fields = Record<string, unknown>;

const PACKAGE = 'centrifugal.centrifugo.proxy';
const TLS_CERT = new URL('../fixtures/tls/localhost.crt', import.meta.url).pathname;
const TLS_KEY = new URL('../fixtures/tls/localhost.key', import.meta.url).pathname;
/** How long a backend takes to restart. */
const RESTART_MS = 200;

/** The backends' own view of proxy.proto: int64 as strings, bytes as Buffers, only sent fields. */
const backendDefinition = loadSync(proxyProtoPath(), { keepCase: true, longs: String, defaults: false });
const service = (name: string): ServiceDefinition =>
  backendDefinition[`${PACKAGE}.${name}`] as ServiceDefinition;

/** What a backend does with a call: answer with a message, fail with a status, or never answer. */
type Answer = Fields | { fail: status; details: string } | 'hang';

/** One call as a backend saw it. */
interface Received {
  method: string;
  request: Fields;
  metadata: Record<string, string | Buffer>;
  /** The call's deadline, ms since the epoch. */
  deadline: number;
  cancelled: boolean;
}

/** A gRPC server implementing CentrifugoProxy (and SwitchboardUserEvents unless told not to). */
class Backend {
  readonly received: Received[] = [];
  answer: (method: string, request: Fields) => Answer = () => ({});

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: { port?: number; tls?: boolean; userEvents?: boolean } = {}): Promise<Backend> {
    const server = new Server();
    let backend: Backend | undefined;
    const handler =
      (method: string) =>
      (call: ServerUnaryCall<Fields, Fields>, callback: sendUnaryData<Fields>): void => {
        const deadline = call.getDeadline();
        const seen: Received = {
          method,
          request: call.request,
          metadata: call.metadata.getMap(),
          deadline: typeof deadline === 'number' ? deadline : deadline.getTime(),
          cancelled: false,
        };
        call.on('cancelled', () => {
          seen.cancelled = true;
        });
        backend!.received.push(seen);
        const answer = backend!.answer(method, call.request);
        if (answer === 'hang') return;
        if ('fail' in answer) callback({ code: answer.fail as status, details: answer.details as string });
        else callback(null, answer);
      };
    const implement = (name: string): UntypedServiceImplementation =>
      Object.fromEntries(Object.keys(service(name)).map((method) => [method, handler(method)]));
    server.addService(service('CentrifugoProxy'), implement('CentrifugoProxy'));
    if (options.userEvents !== false) {
      server.addService(service('SwitchboardUserEvents'), implement('SwitchboardUserEvents'));
    }
    const credentials =
      options.tls === true
        ? ServerCredentials.createSsl(
            null,
            [{ private_key: readFileSync(TLS_KEY), cert_chain: readFileSync(TLS_CERT) }],
            false,
          )
        : ServerCredentials.createInsecure();
    backend = new Backend(server, await listen(server, options.port ?? 0, credentials));
    return backend;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

function listen(server: Server, port: number, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
}

/** A backend stopped at the end of the test. */
async function backend(t: TestScope, options?: Parameters<typeof Backend.start>[0]): Promise<Backend> {
  return t.defer(await Backend.start(options), (b) => b.stop());
}

/** A caller for `127.0.0.1:port`, closed at the end of the test; `config` as in the config file. */
function caller(t: TestScope, port: number, config: Fields = {}): GrpcProxyCaller {
  const parsed = proxyEndpointSchema.parse({
    endpoint: `grpc://127.0.0.1:${port}`,
    timeout: '2s',
    ...config,
  });
  return t.defer(new GrpcProxyCaller(parsed, 'test-proxy'), (c) => c.close());
}

/** The {@link ProxyUnavailableError} that `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<ProxyUnavailableError> {
  let caught: unknown;
  await promise.then(
    (value) => assert.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => {
      caught = error;
    },
  );
  assert.ok(caught instanceof ProxyUnavailableError, `expected ProxyUnavailableError, got ${String(caught)}`);
  return caught;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

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

  describe('metadata', () => {
    it('sends static metadata, call headers over it, and the credentials over both', async () => {
      await using t = setup();
      const server = await backend(t);
      const c = caller(t, server.port, {
        endpoint: `127.0.0.1:${server.port}`,
        grpc: {
          static_metadata: { 'x-static': 'from-config', 'x-both': 'static' },
          credentials_key: 'x-api-key',
          credentials_value: 'the-credential',
        },
      });
      await c.call(
        'connect',
        {},
        {
          'x-both': 'header',
          cookie: 'session=abc123',
          authorization: 'Bearer t0k3n',
          'x-api-key': 'forged-by-client',
        },
      );
      const md = server.received[0]!.metadata;
      assert.equal(md['x-static'], 'from-config');
      assert.equal(md['x-both'], 'header');
      assert.equal(md.cookie, 'session=abc123');
      assert.equal(md.authorization, 'Bearer t0k3n');
      assert.equal(md['x-api-key'], 'the-credential');
    });

    it('sends static metadata and credentials on every call', async () => {
      await using t = setup();
      const server = await backend(t);
      const c = caller(t, server.port, {
        grpc: {
          static_metadata: { 'x-static': 's' },
          credentials_key: 'authorization',
          credentials_value: 'k',
        },
      });
      await c.call('rpc', {}, {});
      await c.call('publish', {}, { 'x-request': 'two' });
      assert.equal(server.received.length, 2);
      for (const call of server.received) {
        assert.equal(call.metadata['x-static'], 's');
        assert.equal(call.metadata.authorization, 'k');
      }
      assert.equal(server.received[0]!.metadata['x-request'], undefined);
      assert.equal(server.received[1]!.metadata['x-request'], 'two');
    });

    it('leaves out entries gRPC cannot carry and still makes the call', async () => {
      await using t = setup();
      const server = await backend(t);
      await caller(t, server.port).call(
        'connect',
        {},
        {
          'x-utf8': 'café',
          'bad name': 'v',
          'grpc-timeout': '1S',
          connection: 'close',
          'x-ok': 'yes',
          'x-data-bin': 'raw',
        },
      );
      const md = server.received[0]!.metadata;
      assert.equal(md['x-ok'], 'yes');
      assert.deepEqual(md['x-data-bin'], Buffer.from('raw'));
      for (const dropped of ['x-utf8', 'bad name', 'grpc-timeout', 'connection']) {
        assert.equal(md[dropped], undefined, dropped);
      }
    });

    it('keeps metadata values out of error messages', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = () => ({
        fail: status.PERMISSION_DENIED,
        details: 'rejected cookie session=s3cr3t-cookie and key top-secret-credential',
      });
      const c = caller(t, server.port, {
        grpc: { credentials_key: 'x-key', credentials_value: 'top-secret-credential' },
      });
      const error = await failure(c.call('connect', {}, { cookie: 'session=s3cr3t-cookie' }));
      assert.equal(error.reason, 'response');
      assert.match(error.message, /PERMISSION_DENIED/);
      assert.match(error.message, /\[redacted\]/);
      assert.ok(!error.message.includes('s3cr3t-cookie'), error.message);
      assert.ok(!error.message.includes('top-secret-credential'), error.message);
    });
  });

  describe('failures', () => {
    it('gives up at the timeout (reason timeout), telling the backend its deadline', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = () => 'hang';
      const c = caller(t, server.port, { timeout: '300ms' });
      const started = Date.now();
      const error = await failure(c.call('connect', {}, {}));
      const elapsed = Date.now() - started;
      assert.equal(error.reason, 'timeout');
      assert.match(error.message, /DEADLINE_EXCEEDED/);
      assert.ok(elapsed >= 280 && elapsed < 1500, `gave up after ${elapsed} ms`);
      assert.equal(server.received.length, 1);
      const deadlineIn = server.received[0]!.deadline - started;
      assert.ok(deadlineIn > 0 && deadlineIn <= 350, `backend deadline ${deadlineIn} ms after the call`);
    });

    it('fails at once when nothing listens (reason connection)', async () => {
      await using t = setup();
      const c = caller(t, await freePort(), { timeout: '5s' });
      const started = Date.now();
      const error = await failure(c.call('connect', {}, {}));
      assert.equal(error.reason, 'connection');
      assert.match(error.message, /UNAVAILABLE/);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    });

    it('recovers when the backend restarts between calls', async () => {
      await using t = setup();
      const first = await Backend.start();
      const c = caller(t, first.port);
      first.answer = () => ({ result: { user: 'first' } });
      assert.deepEqual(await c.call('connect', {}, {}), { result: { user: 'first' } });
      first.stop();
      // A restart takes a moment. (In this process it could take none: a call sent in the instant
      // the old connection closes is lost with it and fails, reason connection; it is not retried.)
      await sleep(RESTART_MS);
      const second = await backend(t, { port: first.port });
      second.answer = () => ({ result: { user: 'second' } });
      assert.deepEqual(await c.call('connect', {}, {}), { result: { user: 'second' } });
      assert.equal(second.received.length, 1);
    });

    it('recovers within seconds after calls failed while the backend was down', async () => {
      await using t = setup();
      const first = await Backend.start();
      const c = caller(t, first.port);
      await c.call('connect', {}, {});
      first.stop();
      for (let i = 0; i < 3; i++) {
        assert.equal((await failure(c.call('connect', {}, {}))).reason, 'connection');
      }
      const second = await backend(t, { port: first.port });
      second.answer = () => ({ result: { user: 'back' } });
      const back = Date.now();
      const response = await waitFor(() => c.call('connect', {}, {}), 'a call to succeed', 8000);
      assert.deepEqual(response, { result: { user: 'back' } });
      assert.ok(Date.now() - back < 6000, `recovered after ${Date.now() - back} ms`);
    });

    it('cancels the call when its signal aborts', async () => {
      await using t = setup();
      const server = await backend(t);
      server.answer = () => 'hang';
      const c = caller(t, server.port, { timeout: '5s' });
      const abort = new AbortController();
      const pending = failure(c.call('rpc', { method: 'slow' }, {}, abort.signal));
      await waitFor(() => server.received.length === 1, 'the call to reach the backend');
      const started = Date.now();
      abort.abort();
      const error = await pending;
      assert.equal(error.message, 'cancelled');
      assert.equal(error.reason, 'connection');
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      await waitFor(() => server.received[0]!.cancelled, 'the backend to see the cancellation');
    });

    it('does not call when the signal is already aborted', async () => {
      await using t = setup();
      const server = await backend(t);
      const abort = new AbortController();
      abort.abort();
      const error = await failure(caller(t, server.port).call('rpc', {}, {}, abort.signal));
      assert.equal(error.message, 'cancelled');
      await sleep(100);
      assert.equal(server.received.length, 0);
    });

    it('rejects calls after close (reason connection)', async () => {
      await using t = setup();
      const server = await backend(t);
      const c = caller(t, server.port);
      await c.call('connect', {}, {});
      await c.close();
      assert.equal((await failure(c.call('connect', {}, {}))).reason, 'connection');
    });
  });

  describe('compression', () => {
    /** A TCP relay to `port` counting the bytes the caller sends. */
    async function relay(t: TestScope, port: number): Promise<{ port: number; bytesUp: () => number }> {
      let up = 0;
      const sockets = new Set<Socket>();
      const server = createServer((socket) => {
        const upstream = netConnect(port, '127.0.0.1');
        for (const s of [socket, upstream]) {
          sockets.add(s);
          s.on('error', () => {
            socket.destroy();
            upstream.destroy();
          });
          s.on('close', () => sockets.delete(s));
        }
        socket.on('data', (chunk: Buffer) => {
          up += chunk.length;
        });
        socket.pipe(upstream).pipe(socket);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      t.defer(server, (s) => {
        for (const socket of sockets) socket.destroy();
        return new Promise((resolve) => s.close(resolve));
      });
      const address = server.address();
      assert.ok(typeof address === 'object' && address !== null);
      return { port: address.port, bytesUp: () => up };
    }

    it('gzips requests when grpc.compression is on', async () => {
      await using t = setup();
      const server = await backend(t);
      const data = json({ text: 'compressible '.repeat(10_000) });
      const sent = async (compression: boolean): Promise<number> => {
        const wire = await relay(t, server.port);
        const c = caller(t, wire.port, { grpc: { compression } });
        await c.call('publish', { channel: 'big', data }, {});
        return wire.bytesUp();
      };
      const plain = await sent(false);
      const gzipped = await sent(true);
      assert.ok(plain > data.length, `uncompressed: ${plain} bytes for ${data.length}`);
      assert.ok(gzipped < data.length / 10, `compressed: ${gzipped} bytes for ${data.length}`);
      assert.equal(server.received.length, 2);
      for (const call of server.received) assert.deepEqual(call.request.data, data);
    });
  });

  describe('TLS', () => {
    const tls = (more: Fields = {}): Fields => ({
      grpc: { tls: { enabled: true, ca_pem_file: TLS_CERT, ...more } },
    });

    it('calls a TLS backend trusting ca_pem_file', async () => {
      await using t = setup();
      const server = await backend(t, { tls: true });
      server.answer = () => ({ result: { user: 'secure' } });
      const response = await caller(t, server.port, tls({ server_name: 'localhost' })).call(
        'connect',
        {},
        {},
      );
      assert.deepEqual(response, { result: { user: 'secure' } });
    });

    it('checks the certificate against server_name', async () => {
      await using t = setup();
      const server = await backend(t, { tls: true });
      const c = caller(t, server.port, tls({ server_name: 'other.example' }));
      assert.equal((await failure(c.call('connect', {}, {}))).reason, 'connection');
      assert.equal(server.received.length, 0);
    });

    it('does not trust a self-signed backend without ca_pem_file', async () => {
      await using t = setup();
      const server = await backend(t, { tls: true });
      const c = caller(t, server.port, { grpc: { tls: { enabled: true, server_name: 'localhost' } } });
      assert.equal((await failure(c.call('connect', {}, {}))).reason, 'connection');
    });
  });
});
