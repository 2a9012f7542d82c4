/**
 * TLS on the node's own port (`http_server.tls`): HTTPS for the API and /health and WSS for clients
 * on one port, with a self-signed certificate made at test time; bad certificate settings stop the
 * start with an error naming the key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  collect,
  connected,
  newClient,
  startTestNode,
  TEST_API_KEY,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { makeCertificate, type TestCertificate } from './tls-cert.js';

/** An HTTPS request trusting `ca`; resolves with the status and the body text. */
function httpsCall(
  url: string,
  ca: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A `ws` WebSocket class that trusts `ca`, for the centrifuge SDK's `websocket` option. */
function trustingWebSocket(ca: string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  } as typeof WebSocket;
}

async function startTlsNode(cert: TestCertificate, extra: Record<string, unknown> = {}): Promise<TestNode> {
  return startTestNode({
    http_server: { tls: { enabled: true, cert_pem_file: cert.certFile, key_pem_file: cert.keyFile } },
    ...extra,
  });
}

describe('TLS on the node', () => {
  let cert: TestCertificate;
  before(() => {
    cert = makeCertificate();
  });
  after(() => cert.remove());

  for (const transport of ['lean', 'ws'] as const) {
    it(`serves health, the API over HTTPS and the SDK over WSS on one port (${transport} transport)`, async () => {
      const node = await startTlsNode(cert, { websocket: { transport } });
      try {
        const base = `https://127.0.0.1:${node.port}`;
        const health = await httpsCall(`${base}/health`, cert.cert);
        assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok' }]);

        const client = newClient(`wss://127.0.0.1:${node.port}/connection/websocket`, {
          token: await node.token('42'),
          websocket: trustingWebSocket(cert.cert),
        });
        try {
          client.connect();
          await connected(client);
          const sub = client.newSubscription('news');
          const got = collect(sub);
          sub.subscribe();
          await sub.ready(3000);
          const published = await httpsCall(`${base}/api/publish`, cert.cert, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
            body: JSON.stringify({ channel: 'news', data: { over: 'tls' } }),
          });
          assert.equal(published.status, 200, published.body);
          await waitFor(() => got.length === 1, 'publication over wss');
          assert.deepEqual(got[0]!.data, { over: 'tls' });
        } finally {
          client.disconnect();
        }
      } finally {
        await node.stop();
      }
    });
  }

  it('accepts the certificate and key inline as cert_pem and key_pem', async () => {
    const node = await startTestNode({
      http_server: { tls: { enabled: true, cert_pem: cert.cert, key_pem: cert.key } },
    });
    try {
      const health = await httpsCall(`https://127.0.0.1:${node.port}/health`, cert.cert);
      assert.equal(health.status, 200);
    } finally {
      await node.stop();
    }
  });

  it('speaks no plain HTTP or WS on a TLS port, and clients that do not trust the certificate fail', async () => {
    const node = await startTlsNode(cert);
    try {
      const plain = await fetch(`http://127.0.0.1:${node.port}/health`).then(
        (res) => `status ${res.status}`,
        () => 'failed',
      );
      assert.equal(plain, 'failed');
      const untrusted = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`wss://127.0.0.1:${node.port}/connection/websocket`);
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      assert.equal(untrusted, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await node.stop();
    }
  });

  it('is trusted through NODE_EXTRA_CA_CERTS by a client in its own process', async () => {
    const node = await startTlsNode(cert);
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-client-'));
    try {
      const script = join(dir, 'client.mjs');
      writeFileSync(
        script,
        `import WebSocket from ${JSON.stringify(import.meta.resolve('ws'))};
import { Centrifuge } from ${JSON.stringify(import.meta.resolve('centrifuge'))};
const client = new Centrifuge(process.argv[2], { token: process.argv[3], websocket: WebSocket });
client.on('connected', () => { console.log('connected'); client.disconnect(); });
client.on('error', (ctx) => { console.log('error', ctx.error.message); process.exit(1); });
client.connect();
`,
      );
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, cert.cert);
      const url = `wss://127.0.0.1:${node.port}/connection/websocket`;
      const token = await node.token('42');
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [script, url, token],
          { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, timeout: 20_000 },
          (error, out) => (error ? reject(new Error(`${error.message}\n${out}`)) : resolve(out)),
        );
      });
      assert.equal(stdout.trim(), 'connected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await node.stop();
    }
  });
});
