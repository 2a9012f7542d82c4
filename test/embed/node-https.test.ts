/**
 * A node embedded in an application's `https.Server` (the app owns the certificate): the SDK over
 * WSS and the server API over HTTPS through the app's port under `/realtime`, with both WebSocket
 * transports (`lean` and `ws`), beside the app's own route.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { collect, newClient, setup, TEST_API_KEY, token, waitFor } from '../harness/index.js';
import { makeCertificate, type TestCertificate } from '../security/tls-cert.js';
import { closeServer, embedTestNode, listen, PREFIX } from './helpers.js';

/** An HTTPS request trusting `ca`; the status and the body text. */
function httpsCall(
  url: string,
  ca: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers =
      body === undefined ? {} : { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };
    const req = request(url, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A `ws` WebSocket class that trusts `ca`, for the SDK's `websocket` option. */
function trustingWebSocket(ca: string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  } as typeof WebSocket;
}

describe('embedded in node:https', { timeout: 60_000 }, () => {
  let cert: TestCertificate;
  before(() => {
    cert = makeCertificate();
  });
  after(() => cert.remove());

  for (const transport of ['lean', 'ws'] as const) {
    it(`serves WSS and the server API over HTTPS on the app's port (${transport} transport)`, async () => {
      await using t = setup();
      const realtime = await embedTestNode({ websocket: { transport } });
      t.defer(realtime, (r) => r.close());
      const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) =>
        realtime.handle(req, res, () => res.writeHead(200).end('app over https')),
      );
      realtime.attach(server);
      const base = (await listen(server)).replace('http:', 'https:');
      t.defer(server, closeServer);

      const client = t.defer(
        newClient(`${base.replace('https:', 'wss:')}${PREFIX}/connection/websocket`, {
          token: await token('secure'),
          websocket: trustingWebSocket(cert.cert),
        }),
        (c) => c.disconnect(),
      );
      const sub = client.newSubscription('secure');
      const got = collect(sub);
      sub.subscribe();
      client.connect();
      await sub.ready(5000);
      const body = JSON.stringify({ channel: 'secure', data: { tls: true } });
      const published = await httpsCall(`${base}${PREFIX}/api/publish`, cert.cert, 'POST', body);
      assert.equal(published.status, 200, published.body);
      await waitFor(() => got.length === 1, 'the publication over WSS', 5000);
      assert.deepEqual(got[0]?.data, { tls: true });
      assert.deepEqual(await httpsCall(`${base}/hello`, cert.cert), { status: 200, body: 'app over https' });
    });
  }
});
