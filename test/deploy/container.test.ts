/**
 * What the image holds, run as a container runs it (test/deploy/container-process.ts): node as PID
 * 1 under the image's non-root user on a read-only root filesystem (it writes nothing, /tmp
 * included), configured only by the Kubernetes manifests' environment (the
 * Secret's placeholders, the ConfigMap's drain settings), with a real Redis. The HEALTHCHECK command
 * answers 0 while the node lives and 1 once it is gone; SIGTERM drains as the grace period in
 * deployment.yaml assumes. (test/cluster/drain.test.ts covers the drain behind nginx, with recovery.)
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signToken } from '../../src/auth/token-signer.js';
import { loadConfig } from '../../src/config/index.js';
import { DisconnectCode } from '../../src/protocol/codes.js';
import {
  freePort,
  type RawClient,
  type RedisServer,
  rawConnect,
  sleep,
  startRedis,
} from '../harness/index.js';
import { runHealthcheck, startContainer } from './container-process.js';
import { type ImageLayout, layOutImage } from './image-layout.js';
import { at, containerEnv, find, loadManifests, switchboardContainer } from './manifests.js';

const manifests = loadManifests();

describe('the image, run as a container', () => {
  let layout: ImageLayout;
  let redis: RedisServer;

  before(async () => {
    layout = layOutImage();
    redis = await startRedis();
  });
  after(async () => {
    layout?.remove();
    await redis?.stop();
  });

  /** The pod's environment, on a free port and the test's Redis. */
  async function podEnv(
    extra: Record<string, string> = {},
  ): Promise<{ env: Record<string, string>; port: number }> {
    const port = await freePort();
    const env = {
      ...containerEnv(manifests),
      SWITCHBOARD_HTTP_SERVER_PORT: String(port),
      SWITCHBOARD_ENGINE_REDIS_ADDRESS: redis.url,
      SWITCHBOARD_LOG_LEVEL: 'warn',
      ...extra,
    };
    return { env, port };
  }

  it('serves every file the node reads: the landing page, the admin UI and its vendor files, the gRPC schema', async () => {
    const { env, port } = await podEnv({
      SWITCHBOARD_ADMIN_ENABLED: 'true',
      SWITCHBOARD_ADMIN_PASSWORD: 'admin-password-for-the-image-test',
      SWITCHBOARD_ADMIN_SECRET: 'admin-secret-for-the-image-test',
      // A gRPC connect proxy loads src/proxy/grpc/proxy.proto at start: a missing file stops the node.
      SWITCHBOARD_CLIENT_PROXY_CONNECT_ENABLED: 'true',
      SWITCHBOARD_CLIENT_PROXY_CONNECT_ENDPOINT: 'grpc://127.0.0.1:9',
    });
    const container = await startContainer(layout, env, port);
    try {
      for (const [path, type] of [
        ['/', 'text/html'],
        ['/admin/', 'text/html'],
        ['/admin/app.js', 'text/javascript'],
        ['/admin/vendor/preact.mjs', 'text/javascript'],
        ['/admin/vendor/uplot.css', 'text/css'],
      ] as const) {
        const res = await fetch(`${container.baseUrl}${path}`);
        assert.equal(res.status, 200, `GET ${path}`);
        assert.match(res.headers.get('content-type') ?? '', new RegExp(type), `${path} content type`);
        assert.ok((await res.arrayBuffer()).byteLength > 0, `${path} has a body`);
      }
    } finally {
      await container.stop();
    }
    assert.equal((await container.exited).code, 0);
  });

  it('HEALTHCHECK follows the node to HTTPS when http_server.tls is on', async () => {
    // Mounted into the container as a Secret would be: readable by the image's user wherever the
    // checkout lives (a private temporary directory is not).
    const tls = join(layout.dir, 'tls/');
    mkdirSync(tls, { mode: 0o755 });
    for (const name of ['localhost.crt', 'localhost.key']) {
      const file = join(tls, name);
      copyFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)), file);
      chmodSync(file, 0o644);
    }
    const { env, port } = await podEnv({
      SWITCHBOARD_HTTP_SERVER_TLS_ENABLED: 'true',
      SWITCHBOARD_HTTP_SERVER_TLS_CERT_PEM_FILE: `${tls}localhost.crt`,
      SWITCHBOARD_HTTP_SERVER_TLS_KEY_PEM_FILE: `${tls}localhost.key`,
    });
    const container = await startContainer(layout, env, port, 'https');
    try {
      assert.equal((await runHealthcheck(layout, env)).code, 0, 'HTTPS health check');
      const plain = { ...env, SWITCHBOARD_HTTP_SERVER_TLS_ENABLED: 'false' };
      assert.equal((await runHealthcheck(layout, plain)).code, 1, 'plain HTTP to a TLS node fails');
    } finally {
      await container.stop();
    }
  });

  it('PID 1, non-root; HEALTHCHECK 0 while it lives; SIGTERM: not ready at once, clients 3001 in waves, exit 0 in time', async () => {
    const { env, port } = await podEnv();
    const config = await loadConfig({ env });
    const { drain_duration: drainMs, drain_waves: waves, timeout: timeoutMs } = config.shutdown;
    const container = await startContainer(layout, env, port);
    const clients: RawClient[] = [];
    try {
      const status = readFileSync(`/proc/${container.pid}/status`, 'utf8');
      assert.match(status, /^NSpid:\s+\d+\s+1$/m, 'node is PID 1 in its namespace');
      assert.match(status, /^Uid:\s+1000\s/m, 'node runs as uid 1000');
      const root = readFileSync(`/proc/${container.pid}/mountinfo`, 'utf8')
        .split('\n')
        .find((line) => line.split(' ')[4] === '/');
      assert.match(root?.split(' ')[5] ?? '', /^ro\b/, `node's root filesystem is read-only: ${root}`);

      const healthy = await runHealthcheck(layout, env);
      assert.equal(healthy.code, 0, 'HEALTHCHECK passes against the running node');
      assert.ok(healthy.ms < 3000, `within the HEALTHCHECK --timeout: ${Math.round(healthy.ms)} ms`);
      assert.equal(
        (await runHealthcheck(layout, { ...env, SWITCHBOARD_HTTP_SERVER_PORT: String(await freePort()) }))
          .code,
        1,
        'HEALTHCHECK fails where no node listens',
      );

      const secret = config.client.token.hmac_secret_key;
      for (let i = 0; i < 30; i++) {
        const client = await rawConnect(`ws://127.0.0.1:${port}/connection/websocket`);
        const reply = await client.call(1, 'connect', { token: await signToken({ sub: `u${i}` }, secret) });
        assert.ok(reply['connect'], `client ${i} connected with a token signed by the Secret's key`);
        clients.push(client);
      }
      const closedAt = clients.map((c) => c.closed.then((closed) => ({ ...closed, at: performance.now() })));

      const signalled = performance.now();
      container.terminate();
      let ready = await fetch(`${container.baseUrl}/ready`);
      for (let i = 0; ready.status === 200 && i < 50; i++) {
        await sleep(20);
        ready = await fetch(`${container.baseUrl}/ready`);
      }
      assert.equal(ready.status, 503, '/ready answers 503 within a second of SIGTERM');
      assert.deepEqual(await ready.json(), { status: 'not ready', reason: 'draining' });
      assert.equal(
        (await fetch(`${container.baseUrl}/health`)).status,
        200,
        '/health stays 200 while draining',
      );
      assert.equal((await runHealthcheck(layout, env)).code, 0, 'HEALTHCHECK still passes while draining');

      const { code, signal } = await container.exited;
      const exitedAfter = performance.now() - signalled;
      assert.equal(signal, null);
      assert.equal(code, 0, 'node exits 0');
      const closes = await Promise.all(closedAt);
      assert.ok(
        closes.every((c) => c.code === DisconnectCode.Shutdown),
        `every client told to reconnect (3001): ${closes.map((c) => c.code).join(',')}`,
      );
      const lastClose = Math.max(...closes.map((c) => c.at)) - signalled;
      const lastWave = (drainMs * (waves - 1)) / waves;
      assert.ok(
        lastClose >= lastWave * 0.8,
        `the last wave after ${Math.round(lastClose)} ms (planned ${lastWave})`,
      );
      assert.ok(
        exitedAfter <= timeoutMs + 2000,
        `exit ${Math.round(exitedAfter)} ms after SIGTERM, shutdown.timeout ${timeoutMs}`,
      );
      const grace = at(
        find(manifests, 'Deployment').body,
        'spec',
        'template',
        'spec',
        'terminationGracePeriodSeconds',
      ) as number;
      const preStop = switchboardContainer(manifests).lifecycle?.preStop?.sleep?.seconds ?? 0;
      assert.ok(preStop * 1000 + exitedAfter < grace * 1000, 'preStop + the stop fit in the grace period');
      console.log(
        `# container: SIGTERM to PID 1, ${clients.length} clients closed with 3001 by ${Math.round(lastClose)} ms, exit 0 after ${Math.round(exitedAfter)} ms (drain_duration ${drainMs} ms, timeout ${timeoutMs} ms; preStop ${preStop} s + stop < grace ${grace} s); healthcheck ${Math.round(healthy.ms)} ms`,
      );
      assert.equal((await runHealthcheck(layout, env)).code, 1, 'HEALTHCHECK fails once the node is gone');
    } finally {
      for (const client of clients) client.close();
      await container.stop();
    }
  });
});
