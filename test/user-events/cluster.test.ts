/**
 * User events end to end: three node processes on one Redis and a real HTTP backend. A user on two
 * nodes stays online while one connection is left; a SIGKILLed node's only user goes offline within
 * lease + sweep + debounce; flapping reconnects across nodes are silent; events that happen while
 * the backend is down (closed, then answering 503) all arrive once it is back, in order per user
 * with increasing versions; `online_users` on any node lists exactly the users online.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type NodeProcess,
  type RawClient,
  type RedisServer,
  rawConnect,
  setup,
  sleep,
  token,
  waitFor,
} from '../harness/index.js';
import { EventBackend, userEventsConfig } from './backend.js';

const DEBOUNCE_MS = 300;
const LEASE_MS = 1500;
const SWEEP_MS = 100;

async function connectAs(url: string, user: string): Promise<RawClient> {
  const client = await rawConnect(url);
  const reply = await client.call(1, 'connect', { token: await token(user) });
  assert.ok(reply['connect'] !== undefined, `connected: ${JSON.stringify(reply)}`);
  return client;
}

describe('user events across three nodes on Redis', () => {
  const t = setup();
  let redis: RedisServer;
  let backend: EventBackend;
  let nodes: NodeProcess[];
  const open: RawClient[] = [];
  const connect = async (node: number, user: string): Promise<RawClient> => {
    const client = await connectAs(nodes[node]!.wsUrl, user);
    open.push(client);
    return client;
  };

  before(async () => {
    redis = await t.redis();
    backend = t.defer(await new EventBackend().open(), (b) => b.stop());
    const config = {
      engine: { redis: { address: redis.url } },
      ...userEventsConfig(backend, {
        debounce: `${DEBOUNCE_MS}ms`,
        lease: `${LEASE_MS}ms`,
        sweep: `${SWEEP_MS}ms`,
      }),
    };
    nodes = await Promise.all([1, 2, 3].map((i) => t.nodeProcess(`ue-${i}`, config)));
  });
  after(async () => {
    for (const c of open) c.close();
    await t.cleanup();
  });

  it('a user on two nodes: one connection leaving changes nothing, the last one leaving makes them offline', async () => {
    const a = await connect(0, 'u-two');
    const b = await connect(1, 'u-two');
    await waitFor(() => backend.of('u-two').length === 1, 'online event');
    a.close();
    await sleep(DEBOUNCE_MS + 500);
    assert.deepEqual(backend.of('u-two'), ['online v1']);
    b.close();
    await waitFor(() => backend.of('u-two').length === 2, 'offline event');
    await sleep(300);
    assert.deepEqual(backend.of('u-two'), ['online v1', 'offline v2'], 'each once');
  });

  it('flapping reconnects across nodes within the debounce cause no event', async () => {
    let client = await connect(0, 'u-flap');
    await waitFor(() => backend.of('u-flap').length === 1, 'online event');
    for (let i = 0; i < 6; i++) {
      client.close();
      await sleep(60);
      client = await connect((i + 1) % 3, 'u-flap');
    }
    await sleep(DEBOUNCE_MS + 600);
    assert.deepEqual(backend.of('u-flap'), ['online v1']);
  });

  it('events while the backend is down arrive once it is back, in order per user, none lost', async () => {
    const users = ['d-0', 'd-1', 'd-2', 'd-3', 'd-4'];
    await backend.close();
    // Each user: online, offline (after the debounce), online again, on changing nodes.
    const first = await Promise.all(users.map((u, i) => connect(i % 3, u)));
    await sleep(200);
    backend.mode = 'unavailable';
    await backend.open();
    for (const c of first) c.close();
    await sleep(DEBOUNCE_MS + 400);
    backend.mode = 'error';
    await Promise.all(users.map((u, i) => connect((i + 1) % 3, u)));
    await sleep(500);
    assert.equal(
      backend.accepted.filter((c) => c.user.startsWith('d-')).length,
      0,
      'nothing accepted while down',
    );
    assert.ok(backend.refused > 0, 'the dispatcher kept trying');
    backend.mode = 'ok';
    await waitFor(() => users.every((u) => backend.distinct(u).length === 3), {
      message: 'every event after the backend came back',
      timeoutMs: 10_000,
    });
    await sleep(300);
    for (const user of users)
      assert.deepEqual(backend.distinct(user), ['online v1', 'offline v2', 'online v3'], user);
  });

  it('online_users on any node lists exactly the users online', async () => {
    const expected = ['d-0', 'd-1', 'd-2', 'd-3', 'd-4', 'u-flap'].sort();
    for (const node of nodes) {
      const res = await node.api('online_users', { limit: 2 });
      assert.equal(res.status, 200);
      const users: { user: string; version: number }[] = [];
      let result = res.body['result'] as { users: typeof users; cursor?: string };
      users.push(...result.users);
      while (result.cursor !== undefined) {
        result = (await node.api('online_users', { limit: 2, cursor: result.cursor })).body[
          'result'
        ] as typeof result;
        users.push(...result.users);
      }
      const got = new Map(users.map((u) => [u.user, u.version]));
      assert.deepEqual([...got.keys()].sort(), expected, node.name);
      assert.equal(got.get('d-0'), 3);
      assert.equal(got.get('u-flap'), 1);
    }
  });

  it("a SIGKILLed node's only user goes offline within lease + sweep + debounce", async () => {
    await connect(2, 'u-killed');
    await connect(0, 'u-survivor');
    await waitFor(
      () => backend.distinct('u-killed').length === 1 && backend.distinct('u-survivor').length === 1,
      'online events',
    );
    await nodes[2]!.kill();
    const killedAt = Date.now();
    // Events go through `distinct`: the killed node may have been the one delivering, and an event
    // the backend answered but the node could not record is sent again by another node (same key).
    await waitFor(() => backend.distinct('u-killed').length === 2, {
      message: 'offline event',
      timeoutMs: 10_000,
    });
    const offline = backend.accepted.find((c) => c.user === 'u-killed' && c.kind === 'offline')!;
    const took = offline.at - killedAt;
    const bound = LEASE_MS + 2 * SWEEP_MS + DEBOUNCE_MS + 500;
    console.log(
      `# offline event ${took} ms after SIGKILL (lease ${LEASE_MS}, sweep ${SWEEP_MS}, debounce ${DEBOUNCE_MS})`,
    );
    assert.deepEqual(backend.distinct('u-killed'), ['online v1', 'offline v2']);
    assert.ok(took >= DEBOUNCE_MS, `not before the debounce (${took} ms)`);
    assert.ok(took <= bound, `within ${bound} ms (${took} ms)`);
    assert.deepEqual(backend.distinct('u-survivor'), ['online v1'], 'users of live nodes stay online');
  });
});
