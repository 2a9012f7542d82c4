/**
 * User events on one node with the memory engine: the backend hears a user's first connection and,
 * after the debounce, their last one leaving; a flap within the debounce is silent; anonymous users
 * are not tracked; `online_users` lists who is online.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RawClient, setup, sleep, type TestNode, token, waitFor } from '../harness/index.js';
import { EventBackend, userEventsConfig } from './backend.js';

async function connectAs(t: ReturnType<typeof setup>, node: TestNode, user: string): Promise<RawClient> {
  const client = await t.raw(node.wsUrl);
  const reply = await client.call(1, 'connect', user === '' ? {} : { token: await token(user) });
  assert.ok(reply['connect'] !== undefined, `connected: ${JSON.stringify(reply)}`);
  return client;
}

describe('user events, one node, memory engine', () => {
  const t = setup();
  let backend: EventBackend;
  let node: TestNode;
  before(async () => {
    backend = t.defer(await new EventBackend().open(), (b) => b.stop());
    node = await t.node({
      ...userEventsConfig(backend),
      client: { allow_anonymous_connect_without_token: true },
    });
  });
  after(() => t.cleanup());

  it('first connection: online; the last one leaving: offline after the debounce', async () => {
    const before = Date.now();
    const a = await connectAs(t, node, 'alice');
    await waitFor(() => backend.of('alice').length === 1, 'online event');
    const [online] = backend.accepted.filter((c) => c.user === 'alice');
    assert.deepEqual(
      { ...online, at: 0, time_ms: 0 },
      {
        kind: 'online',
        user: 'alice',
        version: 1,
        idempotency_key: 'alice:1',
        time_ms: 0,
        node: node.app.node.uid,
        at: 0,
      },
    );
    assert.ok(online!.time_ms >= before - 5 && online!.time_ms <= Date.now(), 'time_ms is when it happened');
    const b = await connectAs(t, node, 'alice');
    a.close();
    await sleep(500);
    assert.deepEqual(backend.of('alice'), ['online v1'], 'a connection left: still online');
    const closedAt = Date.now();
    b.close();
    await waitFor(() => backend.of('alice').length === 2, 'offline event');
    const offline = backend.accepted.filter((c) => c.user === 'alice')[1]!;
    assert.deepEqual(backend.of('alice'), ['online v1', 'offline v2']);
    assert.equal(offline.idempotency_key, 'alice:2');
    assert.ok(offline.at - closedAt >= 300, `not before the debounce (${offline.at - closedAt} ms)`);
    assert.ok(offline.time_ms - closedAt < 200, 'time_ms is when the user left');
  });

  it('a reconnect within the debounce causes no event', async () => {
    const first = await connectAs(t, node, 'bob');
    await waitFor(() => backend.of('bob').length === 1, 'online event');
    for (let i = 0; i < 5; i++) {
      first.close();
      await sleep(50);
      const again = await connectAs(t, node, 'bob');
      await sleep(50);
      if (i < 4) again.close();
    }
    await sleep(800);
    assert.deepEqual(backend.of('bob'), ['online v1']);
  });

  it('anonymous connections are not tracked', async () => {
    const count = backend.accepted.length;
    const anon = await connectAs(t, node, '');
    await sleep(300);
    anon.close();
    await sleep(600);
    assert.equal(backend.accepted.length, count);
    assert.ok(!backend.accepted.some((c) => c.user === ''));
  });

  it('online_users lists the users online now with their versions', async () => {
    await connectAs(t, node, 'carol');
    await waitFor(() => backend.of('carol').length === 1, 'online event');
    const res = await node.api('online_users', {});
    assert.equal(res.status, 200);
    const result = res.body['result'] as { users: { user: string; version: number }[]; cursor?: string };
    assert.deepEqual(
      result.users.sort((x, y) => x.user.localeCompare(y.user)),
      [
        { user: 'bob', version: 1 },
        { user: 'carol', version: 1 },
      ],
    );
    assert.equal(result.cursor, undefined);
    const bad = await node.api('online_users', { limit: 0 });
    assert.equal((bad.body['error'] as { code: number }).code, 107);
  });
});

describe('online_users without user_events', () => {
  it('is not available', async () => {
    await using t = setup();
    const node = await t.node();
    const res = await node.api('online_users', {});
    assert.equal((res.body['error'] as { code: number }).code, 108);
  });
});
