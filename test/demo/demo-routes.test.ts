/**
 * The demo routes: off by default (`/demo/*` is 404, `/` a landing page), and `switchboard serve` with
 * generated development secrets turning them on: a token from `/demo/token` connects, and
 * `/demo/dm` publishes only for a verified sender.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { signToken } from '../../src/auth/token-signer.js';
import {
  connected,
  freePort,
  newClient,
  startTestNode,
  TEST_SECRET,
  type TestNode,
  waitFor,
} from '../harness/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('demo off (the default)', () => {
  let node: TestNode;
  after(() => node?.stop());

  it('answers 404 under /demo/ and a landing page at /', async () => {
    node = await startTestNode();
    assert.equal(node.config.demo.enabled, false);
    for (const path of ['/demo/token?user=alice', '/demo/centrifuge.js', '/demo/chat.js', '/demo']) {
      const res = await fetch(`${node.baseUrl}${path}`);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    const dm = await fetch(`${node.baseUrl}/demo/dm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await node.token('alice')}` },
      body: '{"to":"bob","text":"hi"}',
    });
    assert.equal(dm.status, 404);
    const landing = await fetch(`${node.baseUrl}/`);
    assert.equal(landing.status, 200);
    assert.match(landing.headers.get('content-type') ?? '', /^text\/html/);
    const html = await landing.text();
    assert.match(html, /Switchboard/);
    assert.doesNotMatch(html, /centrifuge\.js/);
  });
});

describe('demo on', () => {
  let node: TestNode;
  after(() => node?.stop());

  it('serves the page and the SDK bundle, mints tokens, checks the DM sender', async () => {
    node = await startTestNode({ demo: { enabled: true } });
    const page = await fetch(`${node.baseUrl}/`);
    assert.match(await page.text(), /<script src="\/demo\/centrifuge\.js">/);
    const sdk = await fetch(`${node.baseUrl}/demo/centrifuge.js`);
    assert.equal(sdk.status, 200);
    assert.match(await sdk.text(), /globalThis\.Centrifuge=/);

    const bad = await fetch(`${node.baseUrl}/demo/token?user=${encodeURIComponent('no spaces')}`);
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const res = await fetch(`${node.baseUrl}/demo/token?user=alice`);
    assert.equal(res.status, 200);
    const { token, expires_in } = (await res.json()) as { token: string; expires_in: number };
    const claims = decodeJwt(token);
    assert.equal(claims.sub, 'alice');
    assert.ok(expires_in > 0 && expires_in <= 3600);
    assert.equal(claims.exp, (claims.iat ?? 0) + expires_in);

    const dm = (authorization: string | undefined, body: unknown) =>
      fetch(`${node.baseUrl}/demo/dm`, {
        method: 'POST',
        headers: authorization === undefined ? {} : { authorization },
        body: JSON.stringify(body),
      });
    assert.equal((await dm(undefined, { to: 'bob', text: 'hi' })).status, 401);
    const forged = await signToken({ sub: 'mallory' }, `${TEST_SECRET}-not`, { expiresInSeconds: 60 });
    assert.equal((await dm(`Bearer ${forged}`, { to: 'bob', text: 'hi' })).status, 401);
    assert.equal((await dm(`Bearer ${token}`, { to: 'b o b', text: 'hi' })).status, 400);
    assert.equal((await dm(`Bearer ${token}`, { to: 'bob', text: '' })).status, 400);

    // Bob, connected with a token of his own, receives the DM on his personal channel.
    const bobToken = (
      (await (await fetch(`${node.baseUrl}/demo/token?user=bob`)).json()) as { token: string }
    ).token;
    const bob = newClient(node.wsUrl, { token: bobToken });
    const received: unknown[] = [];
    bob.on('publication', (ctx) => received.push(ctx.data));
    try {
      bob.connect();
      await connected(bob);
      const ok = await dm(`Bearer ${token}`, { to: 'bob', text: 'psst' });
      assert.equal(ok.status, 200);
      await waitFor(() => received.length > 0, 'the direct message', 10_000);
      assert.deepEqual(received, [{ from: 'alice', to: 'bob', text: 'psst' }]);
    } finally {
      bob.disconnect();
    }
  });
});

/** `switchboard serve` on a free port with no SWITCHBOARD_* variable but `extraEnv`. */
async function serve(extraEnv: NodeJS.ProcessEnv) {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SWITCHBOARD_')) env[key] = value;
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--address', '127.0.0.1'],
    {
      cwd: ROOT,
      env: { ...env, SWITCHBOARD_LOG_LEVEL: 'warn', ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  await waitFor(() => out.includes('Server API:') || child.exitCode !== null, 'the banner', 60_000);
  // The banner is printed in one write; give the rest of it a moment to arrive.
  await waitFor(() => out.endsWith('\n\n') || child.exitCode !== null, 'the end of the banner', 10_000);
  assert.equal(child.exitCode, null, `serve exited early:\n${out}`);
  return { port, child, out: () => out };
}

describe('switchboard serve', () => {
  it('with generated secrets turns the demo on, with a chat namespace, and prints its URL', async () => {
    const { port, child, out } = await serve({});
    try {
      assert.match(out(), new RegExp(`Chat demo .*http://127\\.0\\.0\\.1:${port}/`));
      const res = await fetch(`http://127.0.0.1:${port}/demo/token?user=alice`);
      assert.equal(res.status, 200);
      const { token } = (await res.json()) as { token: string };
      // The generated namespace lets alice subscribe to a room with presence and history.
      const alice = newClient(`ws://127.0.0.1:${port}/connection/websocket`, { token });
      try {
        alice.connect();
        await connected(alice);
        const sub = alice.newSubscription('chat:lobby');
        sub.subscribe();
        await sub.ready(10_000);
        await sub.publish({ text: 'hello' });
        const history = await sub.history({ limit: 10 });
        assert.deepEqual(
          history.publications.map((p) => p.data),
          [{ text: 'hello' }],
        );
        const presence = await sub.presence();
        assert.deepEqual(
          Object.values(presence.clients).map((c) => c.user),
          ['alice'],
        );
      } finally {
        alice.disconnect();
      }
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('with a configured secret leaves the demo off', async () => {
    const { port, child, out } = await serve({
      SWITCHBOARD_TOKEN_HMAC_SECRET: TEST_SECRET,
      SWITCHBOARD_API_KEY: 'a-key',
    });
    try {
      assert.doesNotMatch(out(), /Chat demo/);
      const res = await fetch(`http://127.0.0.1:${port}/demo/token?user=alice`);
      assert.equal(res.status, 404);
      await res.body?.cancel();
    } finally {
      child.kill('SIGTERM');
    }
  });
});
