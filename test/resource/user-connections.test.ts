/**
 * One user opening many connections at once, against a node in its own process with
 * `client.user_connection_limit: 5`: all 200 send `connect` together, exactly 5 get in, the rest are
 * closed with 3504, other users connect, memory stays bounded, and a freed place can be taken again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  errorCode,
  type NodeProcess,
  type RawClient,
  rawConnect,
  sleep,
  startNodeProcess,
  token,
  waitFor,
} from '../harness/index.js';
import { MemoryWatch, pidOf } from './helpers.js';

const USER_LIMIT = 5;
const ATTEMPTS = 200;

async function numClients(node: NodeProcess): Promise<number> {
  const info = await node.api('info');
  return (info.body['result'] as { nodes: { num_clients: number }[] }).nodes[0]!.num_clients;
}

describe('resource: one user, many connections', () => {
  let node: NodeProcess;
  before(async () => {
    node = await startNodeProcess('users', {
      client: { user_connection_limit: USER_LIMIT, subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  after(() => node.stop());

  it(`${ATTEMPTS} simultaneous connects of one user: ${USER_LIMIT} get in, the rest get 3504`, async () => {
    const memory = new MemoryWatch(pidOf(node));
    const sockets: RawClient[] = [];
    try {
      for (let i = 0; i < ATTEMPTS; i++) sockets.push(await rawConnect(node.wsUrl));
      const userToken = await token('greedy');
      // Every connect goes out before any reply can come back.
      for (const c of sockets) c.send(JSON.stringify({ id: 1, connect: { token: userToken } }));
      const outcome = (c: RawClient): Promise<string> =>
        Promise.race([
          c.closed.then(({ code }) => `close ${code}`),
          waitFor(() => c.received.some((m) => m['id'] === 1), 'connect reply', 10_000).then(() =>
            errorCode(c.received.find((m) => m['id'] === 1)!) === undefined ? 'connected' : 'error',
          ),
        ]);
      const outcomes = await Promise.all(sockets.map(outcome));
      const counts: Record<string, number> = {};
      for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
      console.log(`${ATTEMPTS} connects of one user: ${JSON.stringify(counts)}`);
      assert.deepEqual(counts, { connected: USER_LIMIT, 'close 3504': ATTEMPTS - USER_LIMIT });
      const info = await node.api('info');
      const nodeInfo = (info.body['result'] as { nodes: { num_clients: number; num_users: number }[] })
        .nodes[0]!;
      assert.equal(nodeInfo.num_clients, USER_LIMIT);

      // Another user is not affected.
      const other = await rawConnect(node.wsUrl);
      sockets.push(other);
      assert.equal(errorCode(await other.call(1, 'connect', { token: await token('other') })), undefined);
      // A freed place is taken again, and only one.
      sockets[outcomes.indexOf('connected')]!.close();
      const again = await Promise.all(
        [0, 1].map(async () => {
          const c = await rawConnect(node.wsUrl);
          sockets.push(c);
          return c;
        }),
      );
      // The node has let go of it: the user's four plus the other user's one.
      const deadline = Date.now() + 5000;
      while ((await numClients(node)) !== USER_LIMIT) {
        assert.ok(Date.now() < deadline, 'the closed place was not freed');
        await sleep(50);
      }
      for (const c of again) c.send(JSON.stringify({ id: 1, connect: { token: userToken } }));
      const retried = await Promise.all(again.map(outcome));
      assert.deepEqual(retried.sort(), ['close 3504', 'connected']);
    } finally {
      for (const c of sockets) c.ws.terminate();
      memory.stop();
      memory.report(`${ATTEMPTS} connections of one user`);
    }
    memory.assertPeakGrowthBelow(64);
  });
});
