/**
 * The node's other modules under the mount prefix of an embedded node: the admin UI (its redirect
 * stays under the prefix, its login and its API answer there) and the unidirectional WebSocket
 * (`uni_websocket.enabled`), both through an application's `node:http` server.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { setup, token, waitFor } from '../harness/index.js';
import { callApi, closeServer, embedTestNode, listen, PREFIX } from './helpers.js';

const PASSWORD = 'admin-password-for-tests';

describe('embedded modules under the prefix', { timeout: 60_000 }, () => {
  it('serves the admin UI and the unidirectional WebSocket under the prefix', async () => {
    await using t = setup();
    const realtime = await embedTestNode({
      admin: { enabled: true, password: PASSWORD },
      uni_websocket: { enabled: true },
    });
    t.defer(realtime, (r) => r.close());
    const server = createServer((req, res) => realtime.handle(req, res, () => res.writeHead(418).end()));
    realtime.attach(server);
    const base = await listen(server);
    t.defer(server, closeServer);

    const redirect = await fetch(`${base}${PREFIX}/admin`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), `${PREFIX}/admin/`);
    const page = await fetch(`${base}${PREFIX}/admin/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const login = await fetch(`${base}${PREFIX}/admin/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { token: session } = (await login.json()) as { token: string };
    const info = await fetch(`${base}${PREFIX}/admin/api/info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `token ${session}` },
      body: '{}',
    });
    assert.equal(info.status, 200);
    assert.equal(((await info.json()) as { result: { nodes: unknown[] } }).result.nodes.length, 1);
    assert.equal((await fetch(`${base}/admin/`)).status, 418, 'no admin UI outside the prefix');

    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${PREFIX}/connection/uni_websocket`);
    t.defer(ws, (w) => w.close());
    const got: Record<string, unknown>[] = [];
    ws.on('message', (data) => got.push(JSON.parse(data.toString()) as Record<string, unknown>));
    await once(ws, 'open');
    ws.send(JSON.stringify({ token: await token('uni-user') }));
    await waitFor(() => got.length === 1, 'the connect push', 5000);
    assert.ok('connect' in (got[0] ?? {}));
    assert.equal(
      (await callApi(`${base}${PREFIX}`, 'publish', { channel: '#uni-user', data: { n: 1 } })).status,
      200,
    );
    await waitFor(() => got.length === 2, 'the publication', 5000);
    assert.deepEqual(got[1], { channel: '#uni-user', pub: { data: { n: 1 } } });
  });
});
