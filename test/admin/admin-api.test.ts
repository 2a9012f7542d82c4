import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminSessions, SESSION_TTL_MS } from '../../src/admin/session-token.js';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from '../config/assert-config-error.js';
import {
  closeCode,
  type RawClient,
  rawConnect,
  startTestNode,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { ADMIN_PASSWORD, adminCall, adminConfig, adminLogin, adminToken } from './helpers.js';

type Result = Record<string, unknown>;

describe('admin: config', () => {
  it('refuses admin.enabled without a password unless insecure', () => {
    assertConfigError(() => resolveConfig({ admin: { enabled: true } }), 'admin.password');
    assert.equal(resolveConfig({ admin: { enabled: true, insecure: true } }).admin.insecure, true);
  });

  it('serves nothing under /admin when disabled', async () => {
    const node = await startTestNode();
    try {
      assert.equal((await fetch(`${node.baseUrl}/admin/`)).status, 404);
      assert.equal((await adminLogin(node.baseUrl)).status, 404);
    } finally {
      await node.stop();
    }
  });
});

describe('admin: session tokens', () => {
  const sessions = new AdminSessions('pw', 'secret');

  it('accept their own tokens until they expire', () => {
    const now = Date.now();
    const token = sessions.issue(now);
    assert.equal(sessions.verify(token, now), true);
    assert.equal(sessions.verify(token, now + SESSION_TTL_MS + 1), false);
  });

  it('refuse tokens signed with another secret or altered', () => {
    const token = sessions.issue();
    assert.equal(new AdminSessions('pw', 'other').verify(token), false);
    const [body, mac] = token.split('.') as [string, string];
    const later = (Number.parseInt(body, 36) + 1000).toString(36);
    assert.equal(sessions.verify(`${later}.${mac}`), false);
    assert.equal(sessions.verify(''), false);
    assert.equal(sessions.verify('garbage'), false);
  });

  it('compare passwords', () => {
    assert.equal(sessions.passwordMatches('pw'), true);
    assert.equal(sessions.passwordMatches('pw '), false);
    assert.equal(sessions.passwordMatches(''), false);
  });
});

describe('admin: endpoints', () => {
  let node: TestNode;
  let token: string;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode(adminConfig);
    token = await adminToken(node.baseUrl);
  });
  after(async () => {
    for (const c of clients) c.close();
    await node.stop();
  });

  const connect = async (user: string, channel: string): Promise<RawClient> => {
    const raw = await rawConnect(node.wsUrl);
    clients.push(raw);
    await raw.call(1, 'connect', { token: await node.token(user) });
    await raw.call(2, 'subscribe', { channel });
    return raw;
  };

  it('serve the page with a Content-Security-Policy, its scripts and the vendored libraries', async () => {
    const page = await fetch(`${node.baseUrl}/admin/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self' 'sha256-/);
    assert.match(await page.text(), /<script type="importmap">/);
    const redirect = await fetch(`${node.baseUrl}/admin`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/admin/');
    for (const file of [
      'app.js',
      'style.css',
      'vendor/preact.mjs',
      'vendor/preact-hooks.mjs',
      'vendor/htm.mjs',
    ]) {
      const res = await fetch(`${node.baseUrl}/admin/${file}`);
      assert.equal(res.status, 200, file);
      assert.ok((await res.text()).length > 100, file);
    }
    const uplot = await fetch(`${node.baseUrl}/admin/vendor/uplot.mjs`);
    assert.match(await uplot.text(), /export \{ uPlot as default \}/);
    assert.equal((await fetch(`${node.baseUrl}/admin/vendor/../../package.json`)).status, 404);
    assert.equal((await fetch(`${node.baseUrl}/admin/nothing.js`)).status, 404);
  });

  it('log in with the password and refuse a wrong one with 401', async () => {
    assert.equal((await adminLogin(node.baseUrl, 'wrong')).status, 401);
    assert.equal((await adminLogin(node.baseUrl, '')).status, 401);
    const noBody = await fetch(`${node.baseUrl}/admin/auth`, { method: 'POST' });
    assert.equal(noBody.status, 401);
    const ok = await adminLogin(node.baseUrl, ADMIN_PASSWORD);
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { token: string }).token, /^[0-9a-z]+\.[\w-]+$/);
  });

  it('answer 401 without a valid token on every endpoint', async () => {
    for (const method of ['info', 'channels', 'connections', 'publish', 'disconnect', 'history']) {
      assert.equal((await adminCall(node.baseUrl, undefined, method)).status, 401, method);
      assert.equal((await adminCall(node.baseUrl, 'x.y', method)).status, 401, method);
      assert.equal((await adminCall(node.baseUrl, `${token}x`, method)).status, 401, method);
    }
    const apiKeyInstead = await fetch(`${node.baseUrl}/admin/api/info`, {
      method: 'POST',
      headers: { 'x-api-key': 'test-api-key' },
    });
    assert.equal(apiKeyInstead.status, 401);
  });

  it('answer 404 for server API methods the UI does not use', async () => {
    assert.equal((await adminCall(node.baseUrl, token, 'history', { channel: 'a' })).status, 404);
    assert.equal((await adminCall(node.baseUrl, token, 'batch', { commands: [] })).status, 404);
  });

  it('info: the node with its counts and counters', async () => {
    await connect('ann', 'admin-info');
    const res = await adminCall(node.baseUrl, token, 'info');
    assert.equal(res.status, 200);
    const nodes = (res.body['result'] as { nodes: Result[] }).nodes;
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]!['name'], node.config.node.name);
    assert.ok((nodes[0]!['num_clients'] as number) >= 1);
    assert.deepEqual(Object.keys(nodes[0]!['counters'] as Result).sort(), ['deliveries', 'publications']);
  });

  it('channels: subscriber counts', async () => {
    await connect('bob', 'admin-channels');
    await connect('cid', 'admin-channels');
    const res = await adminCall(node.baseUrl, token, 'channels');
    const channels = (res.body['result'] as { channels: Record<string, { num_clients: number }> }).channels;
    assert.equal(channels['admin-channels']?.num_clients, 2);
  });

  it('connections: a user with node name and client id', async () => {
    await connect('dora', 'admin-lookup');
    const res = await adminCall(node.baseUrl, token, 'connections', { user: 'dora' });
    const entries = Object.values(
      (res.body['result'] as { connections: Record<string, Result> }).connections,
    );
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!['node_name'], node.config.node.name);
    assert.ok((entries[0]!['channels'] as string[]).includes('admin-lookup'));
  });

  it('publish: reaches a subscriber; API errors come back as errors', async () => {
    const raw = await connect('eve', 'admin-publish');
    const res = await adminCall(node.baseUrl, token, 'publish', { channel: 'admin-publish', data: { n: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body['result'], {});
    await waitFor(() => raw.received.some((m) => JSON.stringify(m).includes('"n":1')), 'the publication');
    const bad = await adminCall(node.baseUrl, token, 'publish', { data: {} });
    assert.equal(bad.status, 200);
    assert.equal((bad.body['error'] as Result)['code'], 107);
  });

  it('disconnect: closes the user connections with 3503', async () => {
    const raw = await connect('fay', 'admin-disconnect');
    const res = await adminCall(node.baseUrl, token, 'disconnect', { user: 'fay' });
    assert.equal(res.status, 200);
    assert.equal(await closeCode(raw), 3503);
  });

  it('refuse malformed and oversized bodies', async () => {
    const res = await fetch(`${node.baseUrl}/admin/api/info`, {
      method: 'POST',
      headers: { authorization: `token ${token}` },
      body: '{',
    });
    assert.equal(res.status, 400);
    const big = await fetch(`${node.baseUrl}/admin/auth`, { method: 'POST', body: 'x'.repeat(10_000) });
    assert.equal(big.status, 413);
  });
});

describe('admin: insecure', () => {
  it('answers the endpoints without a token', async () => {
    const node = await startTestNode({ admin: { enabled: true, insecure: true } });
    try {
      const res = await adminCall(node.baseUrl, undefined, 'info');
      assert.equal(res.status, 200);
    } finally {
      await node.stop();
    }
  });
});
