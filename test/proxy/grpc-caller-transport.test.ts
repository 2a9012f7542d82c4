/**
 * GrpcProxyCaller against real @grpc/grpc-js servers on 127.0.0.1, around the messages: metadata
 * (static, per call, credentials, entries gRPC cannot carry, values kept out of errors), deadlines
 * and timeouts, backends down, restarted and misbehaving, cancellation, gzip on the wire (counted
 * through a TCP relay) and TLS.
 */
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { freePort, setup, sleep, type TestScope, waitFor } from '../harness/index.js';
import {
  Backend,
  backend,
  caller,
  type Fields,
  failure,
  json,
  RESTART_MS,
  TLS_CERT,
} from './grpc-caller-fixture.js';

describe('GrpcProxyCaller', () => {
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
