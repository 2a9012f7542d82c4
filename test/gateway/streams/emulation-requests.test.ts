/**
 * `POST /emulation` as a raw HTTP client sends it: malformed requests get 400 or 413, an unknown
 * node 404, an unknown session 204 with no effect. Centrifugo's emulation protocol has no secret
 * beyond the session id (a random UUID): a guessed session id must not act for anybody, while the
 * real one does (the positive control that makes the "nothing happened" checks mean something).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setup, sleep, type TestNode, token } from '../../harness/index.js';
import { emulate, openRawStream, streamConfig } from './helpers.js';

const SETTLE_MS = 300;
const EMULATION_LIMIT = 1024;

/** One JSON command as the SDK puts it in `data`. */
const subscribeCommand = (id: number, channel: string) => JSON.stringify({ id, subscribe: { channel } });

async function presenceUsers(node: TestNode, channel: string): Promise<string[]> {
  const res = await node.api('presence', { channel });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const presence = (res.body['result'] as { presence: Record<string, { user: string }> }).presence;
  return Object.values(presence).map((p) => p.user);
}

describe('/emulation requests', { timeout: 60_000 }, () => {
  const t = setup();
  let node: TestNode;
  before(async () => {
    node = await t.node({ ...streamConfig, emulation: { max_request_body_size: EMULATION_LIMIT } });
  });
  after(() => t.cleanup());

  it('answers 400 for a body that is not JSON, not an object, or misses or mistypes a field', async () => {
    const stream = t.defer(await openRawStream(node.baseUrl, 'alice'), (s) => s.close());
    const { node: uid, session } = stream;
    const bodies = [
      'not json',
      '',
      '[1,2]',
      'null',
      '"a string"',
      JSON.stringify({ session, data: '{}' }),
      JSON.stringify({ node: uid, data: '{}' }),
      JSON.stringify({ node: uid, session }),
      JSON.stringify({ node: 1, session, data: '{}' }),
      JSON.stringify({ node: uid, session: { id: session }, data: '{}' }),
      JSON.stringify({ node: uid, session, data: { id: 1 } }),
      JSON.stringify({ node: uid, session, data: null }),
    ];
    for (const body of bodies) {
      const res = await emulate(node.baseUrl, body);
      assert.equal(res.status, 400, `${body}: ${res.status} ${res.text}`);
      assert.match(res.text, /bad request/, `a message names the problem: ${res.text}`);
    }
    // Truncated Protobuf: a length prefix longer than the body.
    const truncated = new Uint8Array([0x0a, 0x20, 0x61]);
    const res = await emulate(node.baseUrl, truncated, 'application/octet-stream');
    assert.equal(res.status, 400, res.text);
    // None of it reached the session, which is still open and got no frame past its connect reply.
    await sleep(SETTLE_MS);
    assert.equal(stream.frames.length, 1, JSON.stringify(stream.frames));
    assert.equal(stream.response.destroyed, false);
  });

  it('answers 405 to a method other than POST', async () => {
    const res = await fetch(`${node.baseUrl}/emulation`);
    assert.equal(res.status, 405);
    const stream = await fetch(`${node.baseUrl}/connection/http_stream`);
    assert.equal(stream.status, 405);
  });

  it('answers 413 past emulation.max_request_body_size, with a Content-Length or chunked', async () => {
    const stream = t.defer(await openRawStream(node.baseUrl, 'big'), (s) => s.close());
    const big = JSON.stringify({
      node: stream.node,
      session: stream.session,
      data: subscribeCommand(2, `chat:${'x'.repeat(EMULATION_LIMIT)}`),
    });
    const sized = await emulate(node.baseUrl, big);
    assert.equal(sized.status, 413, sized.text);
    assert.match(sized.text, /too-large|too large/);
    const chunked = await fetch(`${node.baseUrl}/emulation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413, await chunked.text());
    await sleep(SETTLE_MS);
    assert.equal(stream.frames.length, 1, 'the oversized command never reached the session');
  });

  it('answers 404 for a node the cluster does not know', async () => {
    const stream = t.defer(await openRawStream(node.baseUrl, 'carol'), (s) => s.close());
    const body = JSON.stringify({
      node: randomUUID(),
      session: stream.session,
      data: subscribeCommand(2, 'chat:n'),
    });
    const res = await emulate(node.baseUrl, body);
    assert.equal(res.status, 404, res.text);
    await sleep(SETTLE_MS);
    assert.equal(stream.frames.length, 1);
    assert.deepEqual(await presenceUsers(node, 'chat:n'), []);
  });

  it('a guessed session id does nothing (204); the real one subscribes its own session', async () => {
    const victim = t.defer(await openRawStream(node.baseUrl, 'victim'), (s) => s.close());
    const guesses = [randomUUID(), victim.session.toUpperCase(), `${victim.session} `, victim.client, ''];
    for (const [i, session] of guesses.entries()) {
      const body = JSON.stringify({
        node: victim.node,
        session,
        data: subscribeCommand(10 + i, 'chat:guess'),
      });
      const res = await emulate(node.baseUrl, body);
      assert.equal(res.status, 204, `${JSON.stringify(session)}: ${res.status} ${res.text}`);
    }
    await sleep(SETTLE_MS);
    assert.deepEqual(
      await presenceUsers(node, 'chat:guess'),
      [],
      'nobody was subscribed by a guessed session',
    );
    assert.equal(
      victim.frames.length,
      1,
      `the victim's stream got nothing: ${JSON.stringify(victim.frames)}`,
    );

    const res = await emulate(
      node.baseUrl,
      JSON.stringify({ node: victim.node, session: victim.session, data: subscribeCommand(2, 'chat:guess') }),
    );
    assert.equal(res.status, 204, res.text);
    const deadline = Date.now() + 3000;
    while (victim.frames.length < 2 && Date.now() < deadline) await sleep(10);
    assert.equal((victim.frames[1] as { id?: number }).id, 2, JSON.stringify(victim.frames));
    assert.ok(
      (victim.frames[1] as { subscribe?: unknown }).subscribe !== undefined,
      JSON.stringify(victim.frames[1]),
    );
    assert.deepEqual(await presenceUsers(node, 'chat:guess'), ['victim']);
  });

  it('a request for a session that ended is 204 and reaches nobody', async () => {
    const sessions = node.app.node.emulation.size;
    const gone = await openRawStream(node.baseUrl, 'gone');
    assert.equal(node.app.node.emulation.size, sessions + 1);
    gone.close();
    await gone.ended;
    const deadline = Date.now() + 3000;
    while (node.app.node.emulation.size > sessions && Date.now() < deadline) await sleep(10);
    assert.equal(node.app.node.emulation.size, sessions, 'the closed stream released its session');
    const res = await emulate(
      node.baseUrl,
      JSON.stringify({ node: gone.node, session: gone.session, data: subscribeCommand(2, 'chat:gone') }),
    );
    assert.equal(res.status, 204, res.text);
    await sleep(SETTLE_MS);
    assert.deepEqual(await presenceUsers(node, 'chat:gone'), []);
  });

  it('a connect body past http_stream.max_request_body_size is 413, a stream is not opened', async () => {
    const sessions = node.app.node.emulation.size;
    const res = await fetch(`${node.baseUrl}/connection/http_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, connect: { token: await token('x'), data: 'y'.repeat(70_000) } }),
    });
    assert.equal(res.status, 413, await res.text());
    assert.equal(node.app.node.emulation.size, sessions);
  });
});

describe('emulation endpoints when disabled', () => {
  it('are not served: 404 on every path', async () => {
    await using t = setup();
    const node = await t.node({ channel: streamConfig.channel });
    for (const path of ['/connection/http_stream', '/connection/sse', '/emulation']) {
      const res = await fetch(`${node.baseUrl}${path}`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 404, path);
    }
  });
});
