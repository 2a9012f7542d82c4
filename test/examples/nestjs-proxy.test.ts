/**
 * The NestJS example as Switchboard's backend: the example runs as its own process, a node's
 * connect, refresh, subscribe, publish and rpc proxies point at its `/centrifugo/*` routes, and
 * clients (raw frames with transport headers, the official SDK with emulated headers) log in,
 * subscribe, comment and list their orders through it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext, SubscribedContext } from 'centrifuge';
import {
  closeCode,
  collect,
  connected,
  errorCode,
  freePort,
  type RawClient,
  setup,
  sleep,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { TEST_API_KEY } from '../harness/tokens.js';
import { type RunningExample, startExample } from './run-example.js';

const SECRET = 'proxy-secret-for-the-test';
/** Connections expire after 2 s, so the node asks the refresh proxy during the test. */
const TTL_SECONDS = 2;

function proxyConfig(exampleUrl: string, port: number) {
  const endpoint = (path: string) => ({
    endpoint: `${exampleUrl}/centrifugo/${path}`,
    timeout: '3s',
    http: { static_headers: { 'X-Switchboard-Proxy-Secret': SECRET } },
  });
  const forwarded = { http_headers: ['Authorization', 'Cookie'], emulated_headers: ['Authorization'] };
  return {
    http_server: { port },
    client: {
      // The backend names the personal channel (`orders:#<user>`) itself; no `#<user>` besides.
      subscribe_to_user_personal_channel: { enabled: false },
      proxy: {
        connect: { enabled: true, ...endpoint('connect'), ...forwarded },
        refresh: { enabled: true, ...endpoint('refresh'), ...forwarded },
      },
    },
    channel: {
      proxy: { subscribe: endpoint('subscribe'), publish: endpoint('publish') },
      namespaces: [
        {
          name: 'orders',
          history_size: 100,
          history_ttl: '300s',
          subscribe_proxy_enabled: true,
          publish_proxy_enabled: true,
        },
      ],
    },
    rpc: { proxy: endpoint('rpc'), without_namespace: { proxy_enabled: true } },
  };
}

type Reply = Record<string, unknown>;

function result(reply: Reply, method: string): Record<string, unknown> {
  const value = reply[method];
  assert.ok(value !== undefined, `expected a ${method} result, got ${JSON.stringify(reply)}`);
  return value as Record<string, unknown>;
}

describe('examples/nestjs as the proxy backend', () => {
  const scope = setup();
  let example: RunningExample;
  let node: TestNode;

  before(async () => {
    const port = await freePort();
    example = scope.defer(
      await startExample(
        'examples/nestjs/main.ts',
        {
          SWITCHBOARD_URL: `http://127.0.0.1:${port}`,
          SWITCHBOARD_API_KEY: TEST_API_KEY,
          ORDERS_CHANNEL: 'orders:feed',
          PROXY_SECRET: SECRET,
          CONNECTION_TTL_SECONDS: String(TTL_SECONDS),
        },
        'examples/nestjs/tsconfig.json',
      ),
      (e) => e.stop(),
    );
    node = await scope.node(proxyConfig(example.url, port));
  });
  after(() => scope.cleanup());

  /** Logs in through the example; resolves with the API token (also set as the `session` cookie). */
  async function login(user: 'alice' | 'bob'): Promise<string> {
    const res = await fetch(`${example.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, password: `${user}-password` }),
    });
    const body = (await res.json()) as { token: string };
    assert.equal(res.status, 200, `${JSON.stringify(body)}\n${example.output()}`);
    assert.match(res.headers.get('set-cookie') ?? '', new RegExp(`^session=${body.token};.*HttpOnly`));
    return body.token;
  }

  /** A raw connection opened with transport headers, connected (the reply asserted to be a success). */
  async function rawConnected(headers: Record<string, string>): Promise<{ raw: RawClient; connect: Reply }> {
    const raw = await scope.raw(node.wsUrl, headers);
    const reply = await raw.call(1, 'connect', {});
    return { raw, connect: result(reply, 'connect') };
  }

  function sdkClient(token: string): Centrifuge {
    // Browsers cannot set headers on a WebSocket: the SDK sends them in the connect command.
    return scope.sdk(node.wsUrl, { headers: { Authorization: `Bearer ${token}` } });
  }

  it('connect: a Bearer header or the session cookie is the user; none or an unknown one is 4001', async () => {
    const alice = await login('alice');
    const bob = await login('bob');

    const byBearer = await rawConnected({ authorization: `Bearer ${alice}` });
    assert.deepEqual(byBearer.connect['data'], { user: 'alice', name: 'Alice', role: 'customer' });
    assert.deepEqual(Object.keys(byBearer.connect['subs'] as object), ['orders:#alice']);

    const byCookie = await rawConnected({ cookie: `theme=dark; session=${bob}` });
    assert.deepEqual(byCookie.connect['data'], { user: 'bob', name: 'Bob', role: 'staff' });
    assert.deepEqual(Object.keys(byCookie.connect['subs'] as object), ['orders:#bob']);

    const wrong: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-session' },
      { cookie: 'session=nope' },
    ];
    for (const headers of wrong) {
      const raw = await scope.raw(node.wsUrl, headers);
      const reply = await raw.call(1, 'connect', {});
      assert.deepEqual(reply['error'], { code: 4001, message: 'unauthorized' }, JSON.stringify(headers));
    }

    // The SDK, with the emulated Authorization header.
    const client = sdkClient(alice);
    let data: unknown;
    client.on('connected', (ctx) => {
      data = ctx.data;
    });
    client.connect();
    await connected(client);
    assert.deepEqual(data, { user: 'alice', name: 'Alice', role: 'customer' });

    // The proxy routes trust the user the node names, so they refuse whoever lacks the secret.
    const forged = await fetch(`${example.url}/centrifugo/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', method: 'orders.list' }),
    });
    assert.equal(forged.status, 403);
  });

  it('subscribe: orders:* for logged-in users, orders:staff for staff only', async () => {
    const alice = (await rawConnected({ authorization: `Bearer ${await login('alice')}` })).raw;
    const bob = (await rawConnected({ authorization: `Bearer ${await login('bob')}` })).raw;

    assert.equal(errorCode(await alice.call(2, 'subscribe', { channel: 'orders:feed' })), undefined);
    assert.deepEqual((await alice.call(3, 'subscribe', { channel: 'orders:staff' }))['error'], {
      code: 4003,
      message: 'forbidden',
    });
    // A user-limited channel is decided by the node (103), not the backend.
    assert.equal(errorCode(await alice.call(4, 'subscribe', { channel: 'orders:#bob' })), 103);
    assert.equal(errorCode(await bob.call(2, 'subscribe', { channel: 'orders:staff' })), undefined);

    // A connection token bypasses the connect proxy; its anonymous user is refused by the backend.
    const anonymous = await scope.raw(node.wsUrl);
    result(await anonymous.call(1, 'connect', { token: await node.token('') }), 'connect');
    assert.deepEqual((await anonymous.call(2, 'subscribe', { channel: 'orders:feed' }))['error'], {
      code: 4001,
      message: 'unauthorized',
    });
  });

  it('publish: a comment is checked, stored and published as stored; an invalid one is 4002', async () => {
    const bob = sdkClient(await login('bob'));
    const sub = bob.newSubscription('orders:comments');
    const got: PublicationContext[] = collect(sub);
    let subscribed: SubscribedContext | undefined;
    sub.on('subscribed', (ctx) => {
      subscribed = ctx;
    });
    bob.connect();
    sub.subscribe();
    await sub.ready(5000);
    assert.ok(subscribed !== undefined, 'the subscribed event');
    const before = (subscribed.data as { recent: unknown[] }).recent.length;

    const alice = (await rawConnected({ authorization: `Bearer ${await login('alice')}` })).raw;
    assert.equal(errorCode(await alice.call(2, 'subscribe', { channel: 'orders:comments' })), undefined);

    const ok = await alice.call(3, 'publish', {
      channel: 'orders:comments',
      data: { text: '  Where is my order?  ', user: 'mallory' },
    });
    assert.deepEqual(ok['publish'], {}, JSON.stringify(ok));
    for (const [id, data] of [
      [4, { text: '' }],
      [5, { text: '   ' }],
      [6, { note: 'no text' }],
      [7, 'just a string'],
      [8, { text: 'x'.repeat(501) }],
    ] as const) {
      const refused = await alice.call(id, 'publish', { channel: 'orders:comments', data });
      assert.equal(errorCode(refused), 4002, JSON.stringify(data));
    }
    assert.equal(
      errorCode(await alice.call(9, 'publish', { channel: 'orders:feed', data: { text: 'hi' } })),
      4003,
    );
    assert.deepEqual(
      (await alice.call(10, 'publish', { channel: 'orders:comments', data: { text: 'Thanks!' } }))['publish'],
      {},
    );

    await waitFor(() => got.length >= 2, 'the two comments');
    assert.deepEqual(
      got.map((p) => (p.data as { text: string }).text),
      ['Where is my order?', 'Thanks!'],
      'only the valid comments, trimmed',
    );
    const first = got[0]!;
    const comment = first.data as { id: string; user: string; created_at: string };
    assert.equal(comment.user, 'alice', 'the author is the connection’s user, not the one in the data');
    assert.match(comment.id, /^[0-9a-f-]{36}$/);
    assert.equal(first.info?.user, 'alice');
    assert.deepEqual(first.info?.connInfo, { name: 'Alice', role: 'customer' });
    assert.deepEqual(first.info?.chanInfo, { role: 'customer' });

    // Stored by the service: listed by the rpc and in the next subscriber's subscribe data.
    const listed = (await bob.rpc('comments.list', {})).data as {
      comments: Array<{ id: string; text: string }>;
    };
    assert.deepEqual(
      listed.comments.slice(before).map((c) => c.text),
      ['Where is my order?', 'Thanks!'],
    );
    assert.equal(listed.comments[before]!.id, comment.id);
    const late = await alice.call(11, 'unsubscribe', { channel: 'orders:comments' });
    assert.ok(late['unsubscribe'] !== undefined);
    const again = result(await alice.call(12, 'subscribe', { channel: 'orders:comments' }), 'subscribe');
    assert.equal((again['data'] as { recent: unknown[] }).recent.length, before + 2);
  });

  it('rpc orders.list: the orders a user placed, delivered on their personal channel too', async () => {
    const aliceToken = await login('alice');
    const alice = (await rawConnected({ authorization: `Bearer ${aliceToken}` })).raw;
    const bob = (await rawConnected({ cookie: `session=${await login('bob')}` })).raw;

    const res = await fetch(`${example.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${aliceToken}` },
      body: JSON.stringify({ item: 'espresso cups', quantity: 6 }),
    });
    const placed = (await res.json()) as { order: { id: string; user: string } };
    assert.equal(res.status, 201, `${JSON.stringify(placed)}\n${example.output()}`);
    assert.equal(placed.order.user, 'alice');

    // The server-side subscription the connect proxy gave.
    await waitFor(() => alice.received.some((m) => m['push'] !== undefined), 'the order on orders:#alice');
    const push = alice.received.find((m) => m['push'] !== undefined)!['push'] as {
      channel: string;
      pub: { data: { type: string; order: { id: string } } };
    };
    assert.equal(push.channel, 'orders:#alice');
    assert.equal(push.pub.data.type, 'order.created');
    assert.equal(push.pub.data.order.id, placed.order.id);

    const mine = result(await alice.call(2, 'rpc', { method: 'orders.list', data: {} }), 'rpc');
    const orders = (mine['data'] as { orders: Array<{ id: string; item: string; quantity: number }> }).orders;
    assert.deepEqual(
      orders.map((o) => [o.id, o.item, o.quantity]),
      [[placed.order.id, 'espresso cups', 6]],
    );
    const theirs = result(await bob.call(2, 'rpc', { method: 'orders.list', data: {} }), 'rpc');
    assert.deepEqual(theirs['data'], { orders: [] });
    assert.equal(errorCode(await bob.call(3, 'rpc', { method: 'orders.delete', data: {} })), 104);

    const forged = await fetch(`${example.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-session' },
      body: JSON.stringify({ item: 'espresso cups', quantity: 1 }),
    });
    assert.equal(forged.status, 401);
  });

  it('refresh: a connection lives on while its session does, and ends (3005) after logout', async () => {
    const staying = (await rawConnected({ authorization: `Bearer ${await login('bob')}` })).raw;
    const token = await login('alice');
    const leaving = (await rawConnected({ cookie: `session=${token}` })).raw;

    // Past the first expiry: the node asked the refresh proxy, which extended both.
    await sleep((TTL_SECONDS + 1) * 1000);
    assert.equal(staying.ws.readyState, staying.ws.OPEN);
    assert.equal(leaving.ws.readyState, leaving.ws.OPEN);

    const out = await fetch(`${example.url}/logout`, {
      method: 'POST',
      headers: { cookie: `session=${token}` },
    });
    assert.equal(out.status, 204);
    assert.equal(await closeCode(leaving, (TTL_SECONDS + 2) * 1000), 3005);
    assert.equal(staying.ws.readyState, staying.ws.OPEN);
    assert.ok(result(await staying.call(2, 'rpc', { method: 'orders.list', data: {} }), 'rpc'));
  });
});
