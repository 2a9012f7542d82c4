/**
 * The publisher package writes out the shapes the server answers with instead of importing the
 * server's types (it depends on nothing of the server's). The type check keeps the two the same;
 * the test checks the keys a real node sends in `info` and `connections` against them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConnectionEntry, NodeInfo } from '../../packages/publisher/src/index.js';
import { Publisher } from '../../packages/publisher/src/index.js';
import type { NodeInfo as ServerNodeInfo } from '../../src/cluster/messages.js';
import type { ConnectionEntry as ServerConnectionEntry } from '../../src/gateway/survey-answers.js';
import { connected, newClient, startTestNode, TEST_API_KEY, type TestNode } from '../harness/index.js';

/** `true` only when A and B are the same type (each assignable to the other). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const nodeInfoSame: Same<ServerNodeInfo, NodeInfo> = true;
const connectionEntrySame: Same<ServerConnectionEntry, ConnectionEntry> = true;

const NODE_INFO_KEYS = [
  'uid',
  'name',
  'version',
  'num_clients',
  'num_users',
  'num_channels',
  'num_subs',
  'uptime',
  'process',
  'counters',
] as const satisfies readonly (keyof NodeInfo)[];
/** Fails to compile when NodeInfo gains a key the list above lacks. */
const everyNodeInfoKey: [Exclude<keyof NodeInfo, (typeof NODE_INFO_KEYS)[number]>] extends [never]
  ? true
  : false = true;

describe('publisher: the server answers in the shapes the publisher declares', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  it('info and connections carry exactly the declared keys', async () => {
    assert.ok(nodeInfoSame && connectionEntrySame && everyNodeInfoKey);
    const client = newClient(node.wsUrl, { token: await node.token('alice') });
    try {
      client.connect();
      await connected(client);
      const publisher = new Publisher({ url: node.baseUrl, apiKey: TEST_API_KEY });
      const [info] = (await publisher.info()).nodes;
      assert.deepEqual(Object.keys(info!).sort(), [...NODE_INFO_KEYS].sort());
      const entries = Object.values((await publisher.connections({ user: 'alice' })).connections);
      assert.equal(entries.length, 1);
      const required: (keyof ConnectionEntry)[] = ['client', 'user', 'node', 'node_name', 'channels'];
      const optional: (keyof ConnectionEntry)[] = ['name', 'version'];
      for (const key of required) assert.ok(key in entries[0]!, `connections entry has ${key}`);
      for (const key of Object.keys(entries[0]!)) {
        assert.ok([...required, ...optional].includes(key as keyof ConnectionEntry), `undeclared key ${key}`);
      }
    } finally {
      client.disconnect();
    }
  });
});
