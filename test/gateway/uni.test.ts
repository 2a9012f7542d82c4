/**
 * The unidirectional transports, with clients that have no SDK: `curl -N` on uni_http_stream, a
 * browser's plain `EventSource` on uni_sse (headless Chromium), a plain WebSocket on
 * uni_websocket. Each gets a `connect` push, then bare pushes of its server-side subscriptions
 * (personal channel, token channels, server API subscribe), recovers through the connect request's
 * `subs`, is never dropped for not answering pings, and a failed connect ends the stream with a
 * `disconnect` push; a malformed connect request is refused with 400 before any stream opens.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { launchBrowser } from '../harness/browser.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { waitFor } from '../harness/wait.js';

type Json = Record<string, unknown>;

describe('unidirectional transports', () => {
  let node: TestNode;
  const children: ChildProcess[] = [];
  before(async () => {
    node = await startTestNode({
      uni_sse: { enabled: true },
      uni_http_stream: { enabled: true },
      uni_websocket: { enabled: true },
      client: { allowed_origins: ['*'], ping_interval: '1s', pong_timeout: '500ms' },
      channel: {
        namespaces: [{ name: 'feed', history_size: 20, history_ttl: '300s', force_recovery: true }],
      },
    });
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await node.stop();
  });

  /** `curl -N` on uni_http_stream; resolves with the JSON lines received so far, on demand. */
  function curl(request: Json): { lines: () => Json[]; done: Promise<void> } {
    const child = spawn('curl', [
      '-sN',
      '-X',
      'POST',
      '-d',
      JSON.stringify(request),
      `${node.baseUrl}/connection/uni_http_stream`,
    ]);
    children.push(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const lines = () =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Json);
    return { lines, done };
  }

  it('streams the connect push and personal-channel publications to curl -N, and pings it without cutting it off', async () => {
    const stream = curl({ token: await node.token('u1') });
    await waitFor(() => stream.lines().length > 0, 'the connect push');
    const connect = stream.lines()[0]!['connect'] as Json;
    assert.equal(typeof connect['client'], 'string');
    assert.equal(typeof connect['session'], 'string');
    assert.equal(connect['pong'], undefined, 'a unidirectional client is not asked for pongs');
    await node.api('publish', { channel: '#u1', data: { n: 1 } });
    await waitFor(() => stream.lines().length >= 2, 'a publication');
    assert.deepEqual(stream.lines()[1], { channel: '#u1', pub: { data: { n: 1 } } });
    // Ping 1 s, pong timeout 0.5 s: a client that must answer would be gone after 2.5 s.
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(
      stream.lines().some((l) => Object.keys(l).length === 0),
      'pings arrive as empty objects',
    );
    await node.api('publish', { channel: '#u1', data: { n: 2 } });
    await waitFor(
      () =>
        stream
          .lines()
          .some(
            (l) =>
              (l['pub'] as Json | undefined)?.['data'] !== undefined && JSON.stringify(l).includes('"n":2'),
          ),
      'still streaming',
    );
  });

  it('ends the stream with a disconnect push when the connect fails', async () => {
    const stream = curl({ token: 'not-a-token' });
    await stream.done;
    assert.deepEqual(stream.lines(), [{ disconnect: { code: 3500, reason: 'invalid token' } }]);
  });

  it('refuses a malformed connect request with 400 before any stream opens', async () => {
    for (const [path, init] of [
      ['/connection/uni_http_stream', { method: 'POST', body: 'not json' }],
      ['/connection/uni_sse?cf_connect=%5B1%5D', { method: 'GET' }],
    ] as const) {
      const res = await fetch(`${node.baseUrl}${path}`, init);
      assert.equal(res.status, 400, path);
      assert.match(await res.text(), /bad request/);
    }
  });

  it('recovers missed publications of a channel through the connect request subs', async () => {
    const token = await node.token('u2', { channels: ['feed:news'] });
    const first = curl({ token });
    await waitFor(() => first.lines().length > 0, 'the connect push');
    await node.api('publish', { channel: 'feed:news', data: { n: 1 } });
    await waitFor(() => first.lines().some((l) => l['pub'] !== undefined), 'the first publication');
    const subscribed = (first.lines()[0]!['connect'] as Json)['subs'] as Record<string, Json>;
    const epoch = subscribed['feed:news']!['epoch'];
    for (let n = 2; n <= 4; n++) await node.api('publish', { channel: 'feed:news', data: { n } });
    const again = curl({ token, subs: { 'feed:news': { recover: true, epoch, offset: 1 } } });
    await waitFor(() => again.lines().length > 0, 'the connect push');
    const sub = ((again.lines()[0]!['connect'] as Json)['subs'] as Record<string, Json>)['feed:news']!;
    assert.equal(sub['recovered'], true);
    assert.deepEqual(
      (sub['publications'] as Json[]).map((p) => (p['data'] as Json)['n']),
      [2, 3, 4],
    );
  });

  it('delivers to a plain WebSocket, one push per message, whatever the client sends after connecting', async () => {
    const ws = new WebSocket(`${node.baseUrl.replace('http', 'ws')}/connection/uni_websocket`);
    const got: Json[] = [];
    ws.on('message', (data) => got.push(JSON.parse(data.toString()) as Json));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ token: await node.token('u3') }));
    ws.send('not even JSON: ignored');
    await waitFor(() => got.length === 1, 'the connect push');
    const subscribed = node.api('subscribe', { user: 'u3', channel: 'extra' });
    assert.equal((await subscribed).status, 200);
    await waitFor(() => got.length === 2, 'the subscribe push');
    assert.equal(
      (got[1]!['subscribe'] as Json | undefined) !== undefined && got[1]!['channel'] === 'extra',
      true,
    );
    await node.api('publish', { channel: 'extra', data: { a: 1 } });
    await node.api('publish', { channel: '#u3', data: { b: 2 } });
    await waitFor(() => got.length === 4, 'two publications, two messages');
    assert.deepEqual(got.slice(2), [
      { channel: 'extra', pub: { data: { a: 1 } } },
      { channel: '#u3', pub: { data: { b: 2 } } },
    ]);
    ws.close();
  });

  it("feeds a browser's plain EventSource on uni_sse", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${node.baseUrl}/health`);
      const url = `/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify({ token: await node.token('u4') }))}`;
      await page.evaluate((src) => {
        const w = globalThis as unknown as { got: unknown[] };
        w.got = [];
        new EventSource(src).onmessage = (e) => w.got.push(JSON.parse(e.data as string));
      }, url);
      const count = () => page.evaluate(() => (globalThis as unknown as { got: unknown[] }).got.length);
      await waitFor(async () => (await count()) >= 1, 'the connect event', 10_000);
      await node.api('publish', { channel: '#u4', data: { hello: 'browser' } });
      await waitFor(
        async () =>
          (
            await page.evaluate(() => JSON.stringify((globalThis as unknown as { got: unknown[] }).got))
          ).includes('"hello":"browser"'),
        'the publication',
        10_000,
      );
      const got = (await page.evaluate(() => (globalThis as unknown as { got: unknown[] }).got)) as Json[];
      assert.equal(typeof (got[0]!['connect'] as Json)['client'], 'string');
      assert.deepEqual(
        got.find((m) => m['pub'] !== undefined),
        { channel: '#u4', pub: { data: { hello: 'browser' } } },
      );
    } finally {
      await browser.close();
    }
  });
});
