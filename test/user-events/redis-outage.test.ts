/**
 * User events through a Redis outage (two nodes in this process, Redis killed and restarted with
 * its append-only file): a user connected throughout gets no event, although every lease ran out
 * by Redis' clock while it was down; a user who left during the outage goes offline once Redis is
 * back (the node kept its local state and re-applied it); one who comes later goes online. Events
 * are compared as a backend deduplicating by idempotency key sees them: Redis killed between the
 * backend's answer and the node's cursor advance has the node send that event again, as documented.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rawConnect, setup, sleep, token, waitFor } from '../harness/index.js';
import { EventBackend, userEventsConfig } from './backend.js';

it('a Redis outage longer than the lease makes no connected user offline; changes meanwhile are applied after', async () => {
  await using t = setup();
  const redis = await t.redis(['--appendonly', 'yes']);
  const backend = t.defer(await new EventBackend().open(), (b) => b.stop());
  // No debounce: a user the sweep took for offline would get the event at once, not be saved by a quick re-apply.
  const config = {
    engine: { redis: { address: redis.url } },
    ...userEventsConfig(backend, { debounce: '0s' }),
  };
  const [a, b] = await Promise.all([t.node(config), t.node(config)]);
  const connect = async (url: string, user: string) => {
    const client = await t.raw(url);
    const reply = await client.call(1, 'connect', { token: await token(user) });
    assert.ok(reply['connect'] !== undefined, JSON.stringify(reply));
    return client;
  };
  await connect(a!.wsUrl, 'r-stay');
  const leaving = await connect(b!.wsUrl, 'r-leave');
  await waitFor(
    () => backend.of('r-stay').length === 1 && backend.of('r-leave').length === 1,
    'online events',
  );

  await redis.kill();
  leaving.close();
  await sleep(2_500);
  await redis.restartKeepingData();

  await waitFor(() => backend.distinct('r-leave').length === 2, {
    message: 'offline after the outage',
    timeoutMs: 10_000,
  });
  await waitFor(async () => {
    const late = await rawConnect(a!.wsUrl);
    t.defer(late, (c) => c.close());
    const reply = await late.call(1, 'connect', { token: await token('r-late') });
    return reply['connect'] !== undefined;
  }, 'a connect once the node is subscribed again');
  await waitFor(() => backend.distinct('r-late').length === 1, 'online of a later user');
  await sleep(1_500);
  assert.deepEqual(backend.distinct('r-leave'), ['online v1', 'offline v2']);
  assert.deepEqual(backend.distinct('r-stay'), ['online v1'], 'connected throughout: no event');
  assert.deepEqual(backend.distinct('r-late'), ['online v1']);
});
