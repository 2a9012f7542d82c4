/**
 * Channels named in `connect.subs` are joined again server-side where the client could subscribe to
 * them itself, as Centrifugo's `OnClientConnecting` does: the SDK sends the server-side
 * subscriptions it held, so one made by the server API `subscribe` comes back after a reconnect.
 * Private channels, other users' channels and channels the namespace closes are not joined; an
 * unknown namespace closes the connection with 3501.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { type RawClient, rawConnect } from '../harness/raw-client.js';

describe('connect.subs: server-side subscriptions joined again', () => {
  let node: TestNode;
  const open: RawClient[] = [];

  before(async () => {
    node = await startTestNode({
      client: { allow_anonymous_connect_without_token: true },
      channel: {
        namespaces: [
          // Recoverable subscriptions: the SDK names in `subs` only the server-side ones it may recover.
          {
            name: 'news',
            allow_subscribe_for_anonymous: true,
            history_size: 10,
            history_ttl: '60s',
            force_recovery: true,
          },
          { name: 'locked', allow_subscribe_for_client: false },
        ],
      },
    });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await node.stop();
  });

  /** The channels of the connect reply's `subs`. */
  function subscribedAtConnect(client: RawClient): string[] {
    const reply = client.received[0]?.['connect'] as { subs?: Record<string, unknown> } | undefined;
    return Object.keys(reply?.subs ?? {}).sort();
  }

  async function connectWith(token: string | undefined, channels: string[]): Promise<RawClient> {
    const client = await rawConnect(node.wsUrl);
    open.push(client);
    const subs = Object.fromEntries(channels.map((channel) => [channel, {}]));
    client.send(JSON.stringify({ id: 1, connect: token === undefined ? { subs } : { token, subs } }));
    return client;
  }

  it('joins only what the client could subscribe to itself', async () => {
    const asked = ['news:a', 'locked:b', '$news:c', 'news:d#bob', 'news:e#alice', 'plain'];
    const client = await connectWith(await node.token('alice'), asked);
    await waitFor(() => client.received.length > 0, 'connect reply');
    assert.deepEqual(subscribedAtConnect(client), ['#alice', 'news:a', 'news:e#alice', 'plain']);
  });

  it('joins anonymous users where allow_subscribe_for_anonymous allows, never to user-limited channels', async () => {
    const client = await connectWith(undefined, ['news:a', 'plain', 'news:#', 'news:x#']);
    await waitFor(() => client.received.length > 0, 'connect reply');
    assert.deepEqual(subscribedAtConnect(client), ['news:a']);
  });

  it('closes with 3501 when subs name a channel in an unknown namespace', async () => {
    const client = await connectWith(await node.token('alice'), ['nope:x']);
    assert.equal((await client.closed).code, 3501);
  });

  it('the SDK gets a recoverable server API subscription back after a reconnect', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('carol') });
    const subscribed: string[] = [];
    const got: unknown[] = [];
    client.on('subscribed', (ctx) => subscribed.push(ctx.channel));
    client.on('publication', (ctx) => got.push(ctx.data));
    client.connect();
    await connected(client);
    assert.equal((await node.api('subscribe', { user: 'carol', channel: 'news:live' })).status, 200);
    await waitFor(() => subscribed.includes('news:live'), 'server-side subscription');
    // Force a reconnect (3011: the SDK reconnects at once).
    await node.api('disconnect', { user: 'carol', disconnect: { code: 3011, reason: 'force reconnect' } });
    await waitFor(
      () => subscribed.filter((c) => c === 'news:live').length === 2,
      'subscription after reconnect',
    );
    await node.api('publish', { channel: 'news:live', data: { n: 1 } });
    await waitFor(() => got.length === 1, 'publication after reconnect');
    client.disconnect();
  });
});
