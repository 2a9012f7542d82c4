import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type {
  Centrifuge,
  ConnectingContext,
  DisconnectedContext,
  ServerPublicationContext,
  ServerSubscribedContext,
  UnsubscribedContext,
} from 'centrifuge';
import {
  collect,
  connected,
  rawConnect,
  sleep,
  startTestNode,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { apiError, Clients } from './helpers.js';

/** Everything a client emits about its connection and its server-side subscriptions. */
interface Recorder {
  subscribed: ServerSubscribedContext[];
  unsubscribed: string[];
  publications: ServerPublicationContext[];
  connecting: ConnectingContext[];
  disconnected: DisconnectedContext[];
  connects: number;
}

function record(client: Centrifuge): Recorder {
  const rec: Recorder = {
    subscribed: [],
    unsubscribed: [],
    publications: [],
    connecting: [],
    disconnected: [],
    connects: 0,
  };
  client.on('subscribed', (ctx) => rec.subscribed.push(ctx));
  client.on('unsubscribed', (ctx) => rec.unsubscribed.push(ctx.channel));
  client.on('publication', (ctx) => rec.publications.push(ctx));
  client.on('connecting', (ctx) => rec.connecting.push(ctx));
  client.on('disconnected', (ctx) => rec.disconnected.push(ctx));
  client.on('connected', () => rec.connects++);
  return rec;
}

describe('server API: operations on connections', () => {
  let node: TestNode;
  const clients = new Clients(() => node);
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [{ name: 'chat', history_size: 10, history_ttl: '300s', force_recovery: true }],
      },
    });
  });
  afterEach(() => clients.closeAll());
  after(() => node.stop());

  /** A connected client of `user` whose events are recorded from before the connect. */
  async function recorded(user: string): Promise<[Centrifuge, Recorder]> {
    const client = await clients.create(user);
    const rec = record(client);
    client.connect();
    await connected(client);
    // The first `connecting` (code 0, connect called) is not the server's doing.
    rec.connecting.length = 0;
    return [client, rec];
  }

  const channelsOf = (rec: Recorder) => rec.subscribed.map((s) => s.channel);

  it('subscribe makes a server-side subscription that receives publications', async () => {
    const [, rec] = await recorded('s1');
    const res = await node.api('subscribe', { user: 's1', channel: 'updates' });
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => channelsOf(rec).includes('updates'), 'server-side subscribed event');
    await node.api('publish', { channel: 'updates', data: { v: 1 } });
    await waitFor(() => rec.publications.some((p) => p.channel === 'updates'), 'publication');
    const pub = rec.publications.find((p) => p.channel === 'updates')!;
    assert.deepEqual(pub.data, { v: 1 });

    // Subscribing again changes nothing: no second event, one delivery per publication.
    await node.api('subscribe', { user: 's1', channel: 'updates' });
    await node.api('publish', { channel: 'updates', data: { v: 2 } });
    await waitFor(() => rec.publications.filter((p) => p.channel === 'updates').length === 2, 'second');
    await sleep(100);
    assert.equal(channelsOf(rec).filter((c) => c === 'updates').length, 1);
    assert.equal(rec.publications.filter((p) => p.channel === 'updates').length, 2);
  });

  it('a server-side subscription to a channel with history is recoverable with a position', async () => {
    const first = await node.api('publish', { channel: 'chat:ss', data: 'before' });
    const { offset, epoch } = first.body['result'] as { offset: number; epoch: string };
    const [, rec] = await recorded('s2');
    await node.api('subscribe', { user: 's2', channel: 'chat:ss' });
    await waitFor(() => channelsOf(rec).includes('chat:ss'), 'subscribed event');
    const ctx = rec.subscribed.find((s) => s.channel === 'chat:ss')!;
    assert.equal(ctx.recoverable, true);
    assert.deepEqual(ctx.streamPosition, { offset, epoch });
    await node.api('publish', { channel: 'chat:ss', data: 'after' });
    await waitFor(() => rec.publications.some((p) => p.channel === 'chat:ss'), 'publication');
    const pub = rec.publications.find((p) => p.channel === 'chat:ss')!;
    assert.equal(pub.data, 'after');
    assert.equal(pub.offset, offset + 1);
  });

  it('subscribe with client targets one connection of the user', async () => {
    const [a, recA] = await recorded('s3');
    const [, recB] = await recorded('s3');
    await node.api('subscribe', { user: 's3', channel: 'only-a', client: clients.id(a) });
    await waitFor(() => channelsOf(recA).includes('only-a'), 'subscribed on a');
    await sleep(100);
    assert.ok(!channelsOf(recB).includes('only-a'));
  });

  it('subscribe and unsubscribe validate their parameters', async () => {
    for (const method of ['subscribe', 'unsubscribe']) {
      assert.equal(apiError((await node.api(method, { channel: 'x' })).body).code, 107, method);
      assert.equal(apiError((await node.api(method, { user: 'u', channel: '' })).body).code, 107, method);
      assert.equal(apiError((await node.api(method, { user: 7, channel: 'x' })).body).code, 107, method);
      const unknown = await node.api(method, { user: 'u', channel: 'nowhere:x' });
      assert.equal(apiError(unknown.body).code, 102, method);
    }
    // A user without connections is not an error.
    assert.deepEqual((await node.api('subscribe', { user: 'nobody', channel: 'x' })).body, { result: {} });
  });

  it('unsubscribe removes a server-side subscription: unsubscribed event, no more publications', async () => {
    const [, rec] = await recorded('s4');
    await node.api('subscribe', { user: 's4', channel: 'temp' });
    await waitFor(() => channelsOf(rec).includes('temp'), 'subscribed event');
    const res = await node.api('unsubscribe', { user: 's4', channel: 'temp' });
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => rec.unsubscribed.includes('temp'), 'unsubscribed event');
    await node.api('publish', { channel: 'temp', data: 1 });
    await sleep(100);
    assert.equal(rec.publications.filter((p) => p.channel === 'temp').length, 0);
  });

  it('unsubscribe ends a client-side subscription with code 2000', async () => {
    const [client] = await recorded('s5');
    const sub = client.newSubscription('client-side');
    const got = collect(sub);
    const ended: UnsubscribedContext[] = [];
    sub.on('unsubscribed', (ctx) => ended.push(ctx));
    sub.subscribe();
    await sub.ready(3000);
    await node.api('unsubscribe', { user: 's5', channel: 'client-side' });
    await waitFor(() => ended.length === 1, 'unsubscribed event');
    assert.equal(ended[0]!.code, 2000);
    assert.equal(sub.state, 'unsubscribed');
    await node.api('publish', { channel: 'client-side', data: 1 });
    await sleep(100);
    assert.equal(got.length, 0);
    assert.equal(sub.state, 'unsubscribed');
  });

  it('disconnect closes every connection of a user with 3503, no reconnect; others stay', async () => {
    const [a1, rec1] = await recorded('d1');
    const [a2, rec2] = await recorded('d1');
    const [other, recOther] = await recorded('d2');
    const res = await node.api('disconnect', { user: 'd1' });
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => rec1.disconnected.length === 1 && rec2.disconnected.length === 1, 'disconnects');
    assert.equal(rec1.disconnected[0]!.code, 3503);
    assert.equal(rec2.disconnected[0]!.code, 3503);
    // Past the largest reconnect delay: nobody came back.
    await sleep(500);
    assert.equal(a1.state, 'disconnected');
    assert.equal(a2.state, 'disconnected');
    assert.equal(rec1.connects, 1);
    assert.equal(other.state, 'connected');
    assert.equal(recOther.disconnected.length + recOther.connecting.length, 0);
    await node.api('publish', { channel: '#d2', data: 'still here' });
    await waitFor(() => recOther.publications.some((p) => p.data === 'still here'), 'publication');
  });

  it('disconnect with client or whitelist spares the other connections', async () => {
    const [a, recA] = await recorded('d3');
    const [b, recB] = await recorded('d3');
    const [c, recC] = await recorded('d3');
    await node.api('disconnect', { user: 'd3', client: clients.id(a) });
    await waitFor(() => recA.disconnected.length === 1, 'a disconnected');
    await node.api('disconnect', { user: 'd3', whitelist: [clients.id(c)] });
    await waitFor(() => recB.disconnected.length === 1, 'b disconnected');
    await sleep(100);
    assert.equal(c.state, 'connected');
    assert.equal(recC.disconnected.length, 0);
    assert.equal(b.state, 'disconnected');
  });

  it('disconnect with a custom code below 3500 makes the client reconnect', async () => {
    const [client, rec] = await recorded('d4');
    const firstId = clients.id(client);
    await node.api('disconnect', { user: 'd4', disconnect: { code: 3100, reason: 'moved' } });
    await waitFor(() => rec.connecting.length >= 1, 'connecting event');
    assert.equal(rec.connecting[0]!.code, 3100);
    assert.equal(rec.connecting[0]!.reason, 'moved');
    await waitFor(() => rec.connects === 2 && client.state === 'connected', 'reconnect');
    assert.notEqual(clients.id(client), firstId);
    assert.equal(rec.disconnected.length, 0);
  });

  it('disconnect with a custom terminal code stops the client', async () => {
    const [client, rec] = await recorded('d5');
    await node.api('disconnect', { user: 'd5', disconnect: { code: 4501, reason: 'banned' } });
    await waitFor(() => rec.disconnected.length === 1, 'disconnected');
    assert.equal(rec.disconnected[0]!.code, 4501);
    await sleep(400);
    assert.equal(client.state, 'disconnected');
    assert.equal(rec.connects, 1);
  });

  it('disconnect rejects a reason that does not fit a close frame, and the client stays', async () => {
    const [client, rec] = await recorded('d6');
    const res = await node.api('disconnect', {
      user: 'd6',
      disconnect: { code: 3100, reason: 'x'.repeat(124) },
    });
    assert.equal(apiError(res.body).code, 107);
    const multiByte = await node.api('disconnect', {
      user: 'd6',
      disconnect: { code: 3100, reason: 'ż'.repeat(62) },
    });
    assert.equal(apiError(multiByte.body).code, 107);
    await sleep(100);
    assert.equal(client.state, 'connected');
    assert.equal(rec.connecting.length, 0);
    const info = (await node.api('info')).body['result'] as { nodes: { num_clients: number }[] };
    assert.ok(info.nodes[0]!.num_clients >= 1);
    // 123 bytes fit.
    await node.api('disconnect', { user: 'd6', disconnect: { code: 3100, reason: 'y'.repeat(123) } });
    await waitFor(() => rec.connecting.length === 1, 'connecting event');
    assert.equal(rec.connecting[0]!.code, 3100);
    await waitFor(() => rec.connects === 2, 'reconnect');
  });

  it('disconnect rejects codes outside 3000-4999 with 107', async () => {
    for (const code of [1000, 2999, 5000, 3100.5, '3100']) {
      const res = await node.api('disconnect', { user: 'x', disconnect: { code } });
      assert.equal(apiError(res.body).code, 107, String(code));
    }
    assert.equal(apiError((await node.api('disconnect', {})).body).code, 107);
  });

  it('refresh with expired: true disconnects with 3005 and the client reconnects', async () => {
    const [client, rec] = await recorded('r1');
    const res = await node.api('refresh', { user: 'r1', expired: true });
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => rec.connecting.length >= 1, 'connecting event');
    assert.equal(rec.connecting[0]!.code, 3005);
    await waitFor(() => rec.connects === 2 && client.state === 'connected', 'reconnect');
  });

  it('the personal channel #<user> is subscribed at connect and reaches only that user', async () => {
    const [, rec1] = await recorded('42');
    const [, rec2] = await recorded('42');
    const [, recOther] = await recorded('7');
    assert.ok(channelsOf(rec1).includes('#42'));
    assert.ok(channelsOf(rec2).includes('#42'));
    assert.deepEqual(channelsOf(recOther), ['#7']);

    const res = await node.api('publish', { channel: '#42', data: { to: 42 } });
    assert.deepEqual(res.body, { result: {} });
    await waitFor(() => rec1.publications.length === 1 && rec2.publications.length === 1, 'both connections');
    for (const rec of [rec1, rec2]) {
      assert.equal(rec.publications[0]!.channel, '#42');
      assert.deepEqual(rec.publications[0]!.data, { to: 42 });
    }
    await sleep(100);
    assert.equal(recOther.publications.length, 0);
  });
});

describe('server API: refresh with expire_at', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ client: { expired_close_delay: '0' } });
  });
  after(() => node.stop());

  it('pushes the new expiry to the connection and closes it with 3005 once it passes', async () => {
    const raw = await rawConnect(node.wsUrl);
    try {
      const reply = await raw.call(1, 'connect', { token: await node.token('r2') });
      assert.equal(typeof (reply['connect'] as { client: string }).client, 'string');
      const expireAt = Math.floor(Date.now() / 1000) + 2;
      const res = await node.api('refresh', { user: 'r2', expire_at: expireAt });
      assert.deepEqual(res.body, { result: {} });
      await waitFor(
        () =>
          raw.received.some((m) => (m['push'] as { refresh?: unknown } | undefined)?.refresh !== undefined),
        'refresh push',
      );
      const push = raw.received.find((m) => (m['push'] as { refresh?: unknown } | undefined)?.refresh)!;
      const refresh = (push['push'] as { refresh: { expires: boolean; ttl: number } }).refresh;
      assert.equal(refresh.expires, true);
      assert.ok(refresh.ttl >= 0 && refresh.ttl <= 2, `ttl ${refresh.ttl}`);
      let closed: { code: number } | undefined;
      void raw.closed.then((c) => {
        closed = c;
      });
      await waitFor(() => closed !== undefined, 'close after the new expiry', 5000);
      assert.equal(closed!.code, 3005);
      assert.ok(Date.now() >= (expireAt - 1) * 1000);
    } finally {
      raw.close();
    }
  });

  it('rejects a negative or non-integer expire_at with 107', async () => {
    for (const expire_at of [-1, 1.5, 'soon']) {
      const res = await node.api('refresh', { user: 'r3', expire_at });
      assert.equal(apiError(res.body).code, 107, String(expire_at));
    }
  });
});
