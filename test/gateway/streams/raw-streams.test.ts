/**
 * The streaming endpoints as a raw HTTP client sees them, for what the SDK never sends or never
 * shows: SSE framing (one `data:` event per frame, a plain EventSource's contract) over GET with
 * `cf_connect` and over POST, a missing `cf_connect`, a connect request that is not one (a
 * disconnect push, then the end of the stream), origins outside `allowed_origins` and the CORS
 * preflight a cross-origin browser sends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setup, sleep, type TestNode, token } from '../../harness/index.js';
import { emulate, streamConfig } from './helpers.js';

const ORIGIN = 'http://app.example';

/** Reads a stream's text until `done` says enough or `ms` passed. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
  ms = 3000,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!done(text) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), sleep(deadline - Date.now()).then(() => null)]);
    if (chunk === null || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

/** Reads a response until `done`, then cancels it (the session ends). */
async function readAndCancel(res: Response, done: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  try {
    return await readUntil(reader, done);
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The JSON of every SSE event, checking that each event is exactly one `data:` line. */
function sseEvents(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .map((block) => block.replace(/^\r?\n/, ''))
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      assert.equal(lines.length, 1, `one data line per event: ${JSON.stringify(block)}`);
      assert.match(lines[0]!, /^data: /);
      return JSON.parse(lines[0]!.slice('data: '.length)) as Record<string, unknown>;
    });
}

describe('raw streaming endpoints', { timeout: 30_000 }, () => {
  const t = setup();
  let node: TestNode;
  before(async () => {
    node = await t.node({ ...streamConfig, client: { allowed_origins: [ORIGIN] } });
  });
  after(() => t.cleanup());

  const connectJson = async (user: string) =>
    JSON.stringify({ id: 1, connect: { token: await token(user) } });

  it('SSE over GET: the connect reply, then one event per reply of a two-command emulation request', async () => {
    const res = await fetch(
      `${node.baseUrl}/connection/sse?cf_connect=${encodeURIComponent(await connectJson('sse-get'))}`,
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const reader = res.body!.getReader();
    t.defer(reader, (r) => r.cancel().catch(() => {}));
    const text = await readUntil(reader, (s) => s.includes('"connect"') && s.endsWith('\n\n'));
    const [connected] = sseEvents(text);
    const { session, node: uid } = (connected as { connect: { session: string; node: string } }).connect;
    const data = `${JSON.stringify({ id: 2, subscribe: { channel: 'chat:sse' } })}\n${JSON.stringify({ id: 3, presence: { channel: 'chat:sse' } })}`;
    assert.equal((await emulate(node.baseUrl, JSON.stringify({ node: uid, session, data }))).status, 204);
    const rest = await readUntil(reader, (s) => s.includes('"id":3') && s.endsWith('\n\n'));
    const events = sseEvents(text + rest);
    assert.deepEqual(
      events.map((e) => e['id']),
      [1, 2, 3],
    );
    assert.ok(events[1]!['subscribe'] !== undefined, JSON.stringify(events[1]));
    assert.ok(events[2]!['presence'] !== undefined, JSON.stringify(events[2]));
  });

  it('SSE over POST: the connect command as the body', async () => {
    const res = await fetch(`${node.baseUrl}/connection/sse`, {
      method: 'POST',
      body: await connectJson('sse-post'),
    });
    assert.equal(res.status, 200);
    const [reply] = sseEvents(await readAndCancel(res, (s) => s.includes('\n\n', 4)));
    assert.equal(reply!['id'], 1);
    assert.ok((reply as { connect?: { session?: string } }).connect?.session, JSON.stringify(reply));
  });

  it('SSE GET without cf_connect is 400', async () => {
    const res = await fetch(`${node.baseUrl}/connection/sse`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /cf_connect/);
  });

  it('a first command that is not a connect: a 3501 disconnect push, then the stream ends', async () => {
    const sessions = node.app.node.emulation.size;
    for (const body of ['garbage', JSON.stringify({ id: 1, subscribe: { channel: 'chat:x' } })]) {
      const res = await fetch(`${node.baseUrl}/connection/http_stream`, { method: 'POST', body });
      assert.equal(res.status, 200);
      const lines = (await res.text()).split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, JSON.stringify(lines));
      const push = JSON.parse(lines[0]!) as { push?: { disconnect?: { code: number } } };
      assert.equal(push.push?.disconnect?.code, 3501, lines[0]);
    }
    await sleep(100);
    assert.equal(node.app.node.emulation.size, sessions, 'the refused sessions were released');
  });

  it('an Origin outside allowed_origins is 403 on every endpoint; an allowed one gets CORS headers', async () => {
    const sessions = node.app.node.emulation.size;
    for (const path of ['/connection/http_stream', '/connection/sse', '/emulation']) {
      const res = await fetch(`${node.baseUrl}${path}`, {
        method: 'POST',
        headers: { origin: 'http://evil.example' },
        body: await connectJson('evil'),
      });
      assert.equal(res.status, 403, path);
      await res.body?.cancel();
    }
    assert.equal(node.app.node.emulation.size, sessions, 'no session was opened for a refused origin');
    const preflight = await fetch(`${node.baseUrl}/connection/http_stream`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/i);
    const res = await fetch(`${node.baseUrl}/connection/http_stream`, {
      method: 'POST',
      headers: { origin: ORIGIN },
      body: await connectJson('allowed'),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    const line = await readAndCancel(res, (s) => s.includes('\n'));
    assert.ok((JSON.parse(line.split('\n')[0]!) as { connect?: unknown }).connect !== undefined, line);
  });
});
