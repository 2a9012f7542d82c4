/**
 * Every method of the OpenAPI description called on a real node that holds some state (a connected
 * client with connection info, subscribed and publishing, history, an online user): each request
 * is checked against the method's request schema and each real answer against the documented
 * answer for its HTTP status, for results and for errors (every method that can fail on a valid
 * node is made to), and the HTTP-level refusals (400, 401, 413, 415) against their documented
 * responses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RawClient, setup, type TestNode, token, waitFor } from '../harness/index.js';
import { EventBackend, userEventsConfig } from '../user-events/backend.js';
import { rawRequest } from './helpers.js';
import {
  assertValid,
  checkedCall,
  type Doc,
  exercised,
  fetchDescription,
  operation,
  responseSchema,
} from './openapi-helpers.js';

type Obj = Record<string, unknown>;

const namespaces = [
  { name: 'room', presence: true, history_size: 10, history_ttl: '300s', allow_publish_for_subscriber: true },
];

function errorCodeOf(body: Obj): number | undefined {
  return (body['error'] as { code?: number } | undefined)?.code;
}

function resultOf(body: Obj): Obj {
  assert.ok(body['result'] !== undefined, `expected a result, got ${JSON.stringify(body)}`);
  return body['result'] as Obj;
}

describe('OpenAPI description against real calls', () => {
  const t = setup();
  let node: TestNode;
  let doc: Doc;
  let alice: RawClient;
  let aliceId: string;
  const call = (method: string, params: unknown, options?: { invalidRequest?: boolean }) =>
    checkedCall(node, doc, method, params, options);

  before(async () => {
    const backend = t.defer(await new EventBackend().open(), (b) => b.stop());
    node = await t.node({
      channel: { namespaces },
      http_api: { max_body_size: 4096 },
      ...userEventsConfig(backend),
    });
    doc = await fetchDescription(node);
    alice = await t.raw(node.wsUrl);
    const connect = await alice.call(1, 'connect', {
      token: await token('alice', { info: { name: 'Alice' } }),
      name: 'openapi-test',
      version: '1.0.0',
    });
    aliceId = (connect['connect'] as { client: string }).client;
    const sub = await alice.call(2, 'subscribe', { channel: 'room:lobby' });
    assert.ok(sub['subscribe'] !== undefined, JSON.stringify(sub));
    // A client publication: history then holds one with `info`.
    const pub = await alice.call(3, 'publish', { channel: 'room:lobby', data: { from: 'client' } });
    assert.ok(pub['publish'] !== undefined, JSON.stringify(pub));
  });
  after(() => t.cleanup());

  it('publish: results with and without history, binary data; errors 102 and 107', async () => {
    const stored = resultOf(
      await call('publish', { channel: 'room:lobby', data: { n: 1 }, tags: { k: 'v' } }),
    );
    assert.equal(typeof stored['offset'], 'number');
    assert.equal(typeof stored['epoch'], 'string');
    assert.deepEqual(resultOf(await call('publish', { channel: 'news', data: null })), {});
    resultOf(
      await call('publish', { channel: 'room:lobby', b64data: 'AAEC', idempotency_key: 'k1', version: 0 }),
    );
    assert.equal(errorCodeOf(await call('publish', { channel: 'nope:x', data: 1 })), 102);
    assert.equal(errorCodeOf(await call('publish', { channel: 'news' }, { invalidRequest: true })), 107);
  });

  it('broadcast: one response per channel, a per-channel error; error 107 for no channels', async () => {
    const result = resultOf(
      await call('broadcast', { channels: ['room:lobby', 'news', 'nope:x'], data: 'hi' }),
    );
    const responses = result['responses'] as Obj[];
    assert.equal(responses.length, 3);
    assert.equal(errorCodeOf(responses[2]!), 102);
    assert.equal(
      errorCodeOf(await call('broadcast', { channels: [], data: 1 }, { invalidRequest: true })),
      107,
    );
  });

  it('subscribe, unsubscribe: empty results; errors 102 and 107', async () => {
    assert.deepEqual(resultOf(await call('subscribe', { user: 'alice', channel: 'room:side' })), {});
    assert.deepEqual(
      resultOf(await call('unsubscribe', { user: 'alice', channel: 'room:side', client: aliceId })),
      {},
    );
    assert.equal(errorCodeOf(await call('subscribe', { user: 'alice', channel: 'nope:x' })), 102);
    assert.equal(
      errorCodeOf(await call('unsubscribe', { user: 7, channel: 'room:side' }, { invalidRequest: true })),
      107,
    );
  });

  it('disconnect, refresh, send: empty results; errors 107', async () => {
    const reason = { code: 4000, reason: 'bye' };
    assert.deepEqual(
      resultOf(await call('disconnect', { user: 'nobody', disconnect: reason, whitelist: [] })),
      {},
    );
    const expireAt = Math.floor(Date.now() / 1000) + 3600;
    assert.deepEqual(resultOf(await call('refresh', { user: 'alice', expire_at: expireAt })), {});
    assert.deepEqual(resultOf(await call('send', { user: 'alice', data: { hello: true } })), {});
    await waitFor(
      () => alice.received.some((m) => (m['push'] as Obj | undefined)?.['message'] !== undefined),
      'message push',
    );
    const badCode = { user: 'nobody', disconnect: { code: 5000 } };
    assert.equal(errorCodeOf(await call('disconnect', badCode, { invalidRequest: true })), 107);
    assert.equal(
      errorCodeOf(await call('refresh', { user: 'alice', expire_at: -1 }, { invalidRequest: true })),
      107,
    );
    assert.equal(errorCodeOf(await call('send', { user: 'alice' }, { invalidRequest: true })), 107);
  });

  it('presence, presence_stats: the connected client with its info; error 108 where presence is off', async () => {
    const presence = resultOf(await call('presence', { channel: 'room:lobby' }))['presence'] as Obj;
    assert.deepEqual(presence[aliceId], { user: 'alice', client: aliceId, conn_info: { name: 'Alice' } });
    assert.deepEqual(resultOf(await call('presence_stats', { channel: 'room:lobby' })), {
      num_clients: 1,
      num_users: 1,
    });
    assert.equal(errorCodeOf(await call('presence', { channel: 'news' })), 108);
    assert.equal(errorCodeOf(await call('presence_stats', { channel: 'news' })), 108);
  });

  it('history, history_remove: publications with info, tags and binary data; errors 108 and 112', async () => {
    const read = resultOf(await call('history', { channel: 'room:lobby', limit: -1 }));
    const pubs = read['publications'] as Obj[];
    assert.ok(
      pubs.some((p) => p['info'] !== undefined),
      'the client publication carries info',
    );
    assert.ok(
      pubs.some((p) => p['tags'] !== undefined),
      'a publication carries tags',
    );
    assert.ok(
      pubs.some((p) => p['data'] === 'AAEC'),
      'binary data reads as its base64',
    );
    const since = { offset: 1, epoch: read['epoch'] as string };
    resultOf(await call('history', { channel: 'room:lobby', limit: 2, since, reverse: true }));
    assert.deepEqual(resultOf(await call('history', { channel: 'room:lobby' }))['publications'], []);
    const stale = { channel: 'room:lobby', since: { offset: 1, epoch: 'not-the-epoch' } };
    assert.equal(errorCodeOf(await call('history', stale)), 112);
    assert.equal(errorCodeOf(await call('history', { channel: 'news' })), 108);
    assert.deepEqual(resultOf(await call('history_remove', { channel: 'room:gone' })), {});
    assert.equal(errorCodeOf(await call('history_remove', { channel: 'news' })), 108);
  });

  it('channels, info, connections: the state of the node; errors 107', async () => {
    const channels = resultOf(await call('channels', { pattern: 'room:*' }))['channels'] as Obj;
    assert.deepEqual(channels['room:lobby'], { num_clients: 1 });
    const nodes = resultOf(await call('info', {}))['nodes'] as Obj[];
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0]!['num_clients'], 1);
    const mine = resultOf(await call('connections', { user: 'alice' }))['connections'] as Obj;
    assert.deepEqual(
      { ...(mine[aliceId] as Obj), node: '', channels: [] },
      {
        client: aliceId,
        user: 'alice',
        node: '',
        node_name: node.config.node.name,
        channels: [],
        name: 'openapi-test',
        version: '1.0.0',
      },
    );
    resultOf(await call('connections', {}));
    assert.equal(
      errorCodeOf(await call('channels', { pattern: '*'.repeat(1025) }, { invalidRequest: true })),
      107,
    );
    assert.equal(errorCodeOf(await call('connections', { user: 5 }, { invalidRequest: true })), 107);
  });

  it('online_users: the connected user, paged; errors 107', async () => {
    let users: Obj[] = [];
    await waitFor(async () => {
      users = resultOf(await call('online_users', { limit: 10 }))['users'] as Obj[];
      return users.length > 0;
    }, 'alice online');
    assert.equal(users[0]!['user'], 'alice');
    assert.equal(errorCodeOf(await call('online_users', { limit: 0 }, { invalidRequest: true })), 107);
    assert.equal(errorCodeOf(await call('online_users', { cursor: 'not-a-cursor' })), 107);
  });

  it('batch: both command forms, a failing command; errors of the whole batch', async () => {
    const body = await call('batch', {
      commands: [
        { publish: { channel: 'room:lobby', data: 1 } },
        { method: 'presence_stats', params: { channel: 'room:lobby' } },
        { method: 'info' },
        { history: { channel: 'news' } },
      ],
      parallel: true,
    });
    const replies = body['replies'] as Obj[];
    assert.deepEqual(Object.keys(replies[0]!), ['publish']);
    assert.deepEqual(replies[1], { presence_stats: { num_clients: 1, num_users: 1 } });
    assert.equal(errorCodeOf(replies[3]!), 108);
    assert.equal(errorCodeOf(await call('batch', {}, { invalidRequest: true })), 107);
    const tooMany = { commands: Array.from({ length: 1001 }, () => ({ info: {} })) };
    // Over 4096 bytes: this node's body limit answers first (413, documented for the operation).
    const refused = await rawRequest(node, '/api/batch', {
      method: 'POST',
      headers: { 'x-api-key': 'test-api-key' },
      body: JSON.stringify(tooMany),
    });
    assert.equal(refused.status, 413);
    assertValid(doc, responseSchema(doc, 'batch', 413), refused.body, 'batch 413');
  });

  it('every documented method answered a result, and every one but info an error', () => {
    const methods = Object.keys(doc['paths'] as Obj)
      .filter((p) => p !== '/api/openapi.json')
      .map((p) => p.slice('/api/'.length));
    assert.ok(methods.length >= 16, `${methods.length} methods described`);
    for (const method of methods) {
      operation(doc, method);
      assert.ok(exercised.result.has(method), `${method} was called with a result`);
      // info fails only when the engine is unreachable.
      if (method !== 'info') assert.ok(exercised.error.has(method), `${method} was called with an error`);
    }
  });
});

describe('OpenAPI description: HTTP refusals as documented', () => {
  const t = setup();
  let node: TestNode;
  let doc: Doc;
  before(async () => {
    node = await t.node({ http_api: { max_body_size: 1024 } });
    doc = await fetchDescription(node);
  });
  after(() => t.cleanup());

  const post = (headers: Record<string, string>, body: string) =>
    rawRequest(node, '/api/publish', { method: 'POST', headers, body });
  const key = { 'x-api-key': 'test-api-key' };

  it('400 not JSON, 401 no key or a wrong one, 413 too large, 415 not a JSON type', async () => {
    const cases: [number, number, Promise<{ status: number; body: unknown }>][] = [
      [400, 107, post({ ...key, 'content-type': 'application/json' }, '{"channel":')],
      [401, 101, post({ 'content-type': 'application/json' }, '{}')],
      [401, 101, post({ authorization: 'apikey wrong' }, '{}')],
      [413, 107, post(key, JSON.stringify({ channel: 'news', data: 'x'.repeat(2000) }))],
      [415, 107, post({ ...key, 'content-type': 'application/xml' }, '<publish/>')],
    ];
    for (const [status, code, pending] of cases) {
      const res = await pending;
      assert.equal(res.status, status);
      assertValid(doc, responseSchema(doc, 'publish', status), res.body, `publish ${status}`);
      assert.equal((res.body as { error: { code: number } }).error.code, code);
    }
  });

  it('Authorization: apikey <key> is accepted as documented', async () => {
    const res = await post({ authorization: 'ApiKey test-api-key' }, '{"channel":"news","data":1}');
    assert.equal(res.status, 200);
    assertValid(doc, responseSchema(doc, 'publish', 200), res.body, 'publish 200');
  });
});
