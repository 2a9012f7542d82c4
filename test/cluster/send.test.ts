/**
 * Server API `send` across a cluster: two node processes on one Redis. A message sent through one
 * node reaches the user's connections on both, once each (the SDK's `message` event, and the raw
 * push), and `client` finds its connection on the other node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, MessageContext } from 'centrifuge';
import {
  connected,
  errorCode,
  type NodeProcess,
  newClient,
  type RawClient,
  type RedisServer,
  rawConnect,
  sleep,
  startRedis,
  token,
  waitFor,
} from '../harness/index.js';
import { startCluster, stopAll } from './helpers.js';

describe('server API send on two nodes over Redis', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[];
  const clients: Centrifuge[] = [];
  const raws: RawClient[] = [];

  before(async () => {
    redis = await startRedis();
    nodes = await startCluster(redis.url, 2);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const r of raws) r.close();
    await stopAll(nodes);
    await redis?.stop();
  });

  async function sdkOn(node: NodeProcess, user: string): Promise<MessageContext[]> {
    const client = newClient(node.wsUrl, { token: await token(user) });
    clients.push(client);
    const got: MessageContext[] = [];
    client.on('message', (ctx) => got.push(ctx));
    client.connect();
    await connected(client);
    return got;
  }

  async function rawOn(node: NodeProcess, user: string): Promise<[RawClient, string]> {
    const c = await rawConnect(node.wsUrl);
    raws.push(c);
    const reply = await c.call(1, 'connect', { token: await token(user) });
    assert.equal(errorCode(reply), undefined);
    return [c, (reply['connect'] as { client: string }).client];
  }

  it('reaches the user on both nodes once each, as the SDK message event', async () => {
    const onFirst = await sdkOn(nodes[0]!, 'mia');
    const onSecond = await sdkOn(nodes[1]!, 'mia');
    const bystander = await sdkOn(nodes[1]!, 'noah');
    for (const n of [1, 2, 3]) {
      const res = await nodes[n % 2]!.api('send', { user: 'mia', data: { n } });
      assert.deepEqual(res.body, { result: {} });
    }
    await waitFor(() => onFirst.length === 3 && onSecond.length === 3, 'three messages on both nodes');
    await sleep(200);
    for (const got of [onFirst, onSecond]) {
      assert.deepEqual(
        got.map((m) => m.data),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );
    }
    assert.equal(bystander.length, 0);
  });

  it('pushes the exact frame, and client targets a connection held by the other node', async () => {
    const [far, farId] = await rawOn(nodes[1]!, 'liv');
    const [near] = await rawOn(nodes[0]!, 'liv');
    await nodes[0]!.api('send', { user: 'liv', client: farId, data: { to: 'far' } });
    const pushes = (c: RawClient) => c.received.filter((m) => m['push'] !== undefined);
    await waitFor(() => pushes(far).length === 1, 'message on the other node');
    assert.deepEqual(pushes(far), [{ push: { message: { data: { to: 'far' } } } }]);
    await sleep(200);
    assert.deepEqual(pushes(near), []);
  });
});
