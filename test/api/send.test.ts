/**
 * Server API `send` on one node: an asynchronous message pushed to a user's connections as
 * `{"push":{"message":{"data":…}}}` (raw frames), emitted by the SDK as `message`; `client` narrows
 * it to one connection; nothing reaches other users or sockets that have not connected.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { MessageContext } from 'centrifuge';
import { Publisher } from '../../packages/publisher/src/index.js';
import {
  errorCode,
  type RawClient,
  rawConnect,
  sleep,
  startTestNode,
  TEST_API_KEY,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { apiError, Clients } from './helpers.js';

describe('server API: send', () => {
  let node: TestNode;
  const clients = new Clients(() => node);
  const raws: RawClient[] = [];
  before(async () => {
    node = await startTestNode({ client: { queue_max_size: 4096 } });
  });
  afterEach(() => {
    clients.closeAll();
    for (const r of raws.splice(0)) r.close();
  });
  after(() => node.stop());

  async function rawUser(user: string): Promise<[RawClient, string]> {
    const c = await rawConnect(node.wsUrl);
    raws.push(c);
    const reply = await c.call(1, 'connect', { token: await node.token(user) });
    assert.equal(errorCode(reply), undefined);
    return [c, (reply['connect'] as { client: string }).client];
  }

  const messages = (c: RawClient) => c.received.filter((m) => m['push'] !== undefined);

  it('pushes the data as it was sent to every connection of the user, and to nobody else', async () => {
    const [a] = await rawUser('s1');
    const [b] = await rawUser('s1');
    const [other] = await rawUser('s2');
    const opening = await rawConnect(node.wsUrl);
    raws.push(opening);
    const data = { text: 'hi', n: 1.5, list: [1, null], uni: 'żółw ✓' };
    const res = await node.api('send', { user: 's1', data });
    assert.deepEqual(res, { status: 200, body: { result: {} } });
    await waitFor(() => messages(a).length === 1 && messages(b).length === 1, 'both connections');
    for (const c of [a, b]) assert.deepEqual(messages(c), [{ push: { message: { data } } }]);
    await sleep(100);
    assert.deepEqual(messages(other), []);
    assert.deepEqual(opening.received, [], 'a socket that has not connected gets nothing');
  });

  it('client narrows the message to one connection', async () => {
    const [a, idA] = await rawUser('s3');
    const [b] = await rawUser('s3');
    await node.api('send', { user: 's3', client: idA, data: 'only a' });
    await waitFor(() => messages(a).length === 1, 'message on a');
    await sleep(100);
    assert.deepEqual(messages(b), []);
  });

  it('the SDK emits the message event with the data', async () => {
    const client = await clients.create('s4');
    const got: MessageContext[] = [];
    client.on('message', (ctx) => got.push(ctx));
    client.connect();
    await client.ready(3000);
    const publisher = new Publisher({ url: node.baseUrl, apiKey: TEST_API_KEY });
    assert.deepEqual(await publisher.send({ user: 's4', data: { hello: 'sdk' } }), {});
    await waitFor(() => got.length === 1, 'message event');
    assert.deepEqual(got[0]!.data, { hello: 'sdk' });
  });

  it('validates user and data, bounds the size; a user without connections is not an error', async () => {
    assert.equal(apiError((await node.api('send', { data: 1 })).body).code, 107);
    assert.equal(apiError((await node.api('send', { user: 7, data: 1 })).body).code, 107);
    assert.equal(apiError((await node.api('send', { user: 'u' })).body).code, 107);
    assert.equal(apiError((await node.api('send', { user: 'u\ud800', data: 1 })).body).code, 107);
    assert.equal(apiError((await node.api('send', { user: 'u', data: 1, client: 5 })).body).code, 107);
    // client.queue_max_size 4096: the largest message is half of it.
    const big = await node.api('send', { user: 'u', data: 'x'.repeat(3000) });
    assert.equal(apiError(big.body).code, 106);
    assert.deepEqual((await node.api('send', { user: 'nobody', data: null })).body, { result: {} });
  });

  it('works inside a batch', async () => {
    const [a] = await rawUser('s5');
    const res = await node.api('batch', {
      commands: [{ send: { user: 's5', data: 1 } }, { send: { data: 2 } }],
    });
    const replies = (res.body as { replies: Record<string, unknown>[] }).replies;
    assert.deepEqual(replies[0], { send: {} });
    assert.equal(apiError(replies[1]).code, 107);
    await waitFor(() => messages(a).length === 1, 'message from the batch');
  });
});
