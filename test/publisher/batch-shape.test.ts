/**
 * The publisher reads a `batch` answer in Centrifugo's shape (`{"replies":[...]}`, what nodes send
 * now) and in the `{"result":{"replies":[...]}}` shape of earlier Switchboard nodes, so a rolling
 * upgrade or a Centrifugo server behind the same URL works; a real node answers the first one.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Publisher, PublisherError } from '../../packages/publisher/src/index.js';
import { startTestNode, TEST_API_KEY, type TestNode } from '../harness/node.js';

/** A server answering every request with `body` (status 200). */
async function fakeApi(body: unknown): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const REPLIES = [
  { publish: { offset: 1, epoch: 'e' } },
  { error: { code: 102, message: 'unknown channel' } },
];

describe('publisher: batch answer shapes', () => {
  let node: TestNode;
  const servers: Server[] = [];
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    for (const s of servers) s.close();
    await node.stop();
  });

  for (const [shape, body] of [
    ['top-level replies (Centrifugo, current nodes)', { replies: REPLIES }],
    ['replies wrapped in result (earlier nodes)', { result: { replies: REPLIES } }],
  ] as const) {
    it(`reads ${shape}, by batch() and by batched publishes`, async () => {
      const { server, url } = await fakeApi(body);
      servers.push(server);
      const publisher = new Publisher({ url, apiKey: 'k', retries: 0 });
      const commands = [
        { method: 'publish' as const, params: { channel: 'a', data: 1 } },
        { method: 'publish' as const, params: { channel: 'nope:b', data: 2 } },
      ];
      assert.deepEqual(await publisher.batch(commands), REPLIES);
      const batched = new Publisher({ url, apiKey: 'k', retries: 0, batch: { maxDelayMs: 5 } });
      const [first, second] = await Promise.allSettled([
        batched.publish({ channel: 'a', data: 1 }),
        batched.publish({ channel: 'nope:b', data: 2 }),
      ]);
      assert.deepEqual(first, { status: 'fulfilled', value: { offset: 1, epoch: 'e' } });
      assert.ok(second.status === 'rejected' && second.reason instanceof PublisherError);
      assert.equal((second.reason as PublisherError).code, 102);
    });
  }

  it('a 200 answer with neither shape is an http error', async () => {
    const { server, url } = await fakeApi({ nothing: true });
    servers.push(server);
    const publisher = new Publisher({ url, apiKey: 'k', retries: 0 });
    await assert.rejects(publisher.batch([]), (error: PublisherError) => error.kind === 'http');
  });

  it('a real node answers top-level replies, which the publisher reads', async () => {
    const res = await node.api('batch', { commands: [{ info: {} }] });
    assert.deepEqual(Object.keys(res.body), ['replies']);
    const publisher = new Publisher({ url: node.baseUrl, apiKey: TEST_API_KEY });
    const [reply] = await publisher.batch([{ method: 'presence_stats', params: { channel: 'x' } }]);
    assert.equal((reply as { error: { code: number } }).error.code, 108);
  });
});
