/**
 * `refresh` and `sub_refresh` answered as Centrifugo v6.9.1 answers them, over real sockets and
 * with the centrifuge SDK: the refresh reply carries only `expires`/`ttl`; an expired refresh token
 * closes 3005 (the SDK reconnects with a new token, where an error reply made it stop); no token
 * closes 3501; a sub_refresh token that does not verify, or names another channel or user, closes
 * 3500; a refresh token whose `channels` changed closes 3010, and the SDK reconnects with it. An
 * expired sub_refresh token stays error 109 (Centrifugo answers `{}`, see docs/protocol.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, TEST_SECRET, type TestNode } from '../harness/node.js';
import { type RawClient, rawConnect } from '../harness/raw-client.js';
import { outcomeOf } from '../security/outcome.js';

const now = (): number => Math.floor(Date.now() / 1000);

describe('refresh and sub_refresh outcomes', () => {
  let node: TestNode;
  const open: RawClient[] = [];

  before(async () => {
    node = await startTestNode({
      channel: {
        // `feed` channels come only from tokens: a client cannot subscribe to them itself.
        namespaces: [{ name: 'chat' }, { name: 'feed', allow_subscribe_for_client: false }],
      },
    });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await node.stop();
  });

  /** A raw connection of user `a`, connected. */
  async function connectedRaw(): Promise<RawClient> {
    const client = await rawConnect(node.wsUrl);
    open.push(client);
    const reply = await client.call(1, 'connect', { token: await node.token('a') });
    assert.ok(reply['connect'], JSON.stringify(reply));
    return client;
  }

  /** A raw connection subscribed to `$p` with a good subscription token. */
  async function subscribedRaw(): Promise<RawClient> {
    const client = await connectedRaw();
    const token = await node.token('a', { channel: '$p' });
    assert.equal(await outcomeOf(client, 2, 'subscribe', { channel: '$p', token }), 'ok');
    return client;
  }

  it('answers refresh with {expires, ttl} only, and {} for a token without exp', async () => {
    const client = await connectedRaw();
    const reply = await client.call(2, 'refresh', { token: await node.token('a', {}, 7200) });
    const result = reply['refresh'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(result).sort(), ['expires', 'ttl']);
    assert.equal(result['expires'], true);
    assert.ok(typeof result['ttl'] === 'number' && result['ttl'] > 7000);
    const forever = await client.call(3, 'refresh', { token: await node.token('a', {}, 0) });
    assert.deepEqual(forever['refresh'], {});
  });

  it('closes with 3005 on an expired refresh token, with 3501 on a missing or empty one', async () => {
    const expired = await connectedRaw();
    const token = await node.token('a', { exp: now() - 60 }, 0);
    assert.equal(await outcomeOf(expired, 2, 'refresh', { token }), 'close 3005');
    for (const params of [{}, { token: '' }]) {
      const client = await connectedRaw();
      assert.equal(await outcomeOf(client, 2, 'refresh', params), 'close 3501');
    }
  });

  it('answers a refresh token whose channels claim names an unknown namespace with 102', async () => {
    const client = await connectedRaw();
    const token = await node.token('a', { channels: ['nope:x'] });
    assert.equal(await outcomeOf(client, 2, 'refresh', { token }), 'error 102');
    assert.equal(await outcomeOf(client, 3, 'ping', {}), 'ok');
  });

  it('closes with 3010 when the refreshed token names other channels, as Centrifugo does', async () => {
    const connectWith = async (channels: string[]): Promise<RawClient> => {
      const client = await rawConnect(node.wsUrl);
      open.push(client);
      const reply = await client.call(1, 'connect', { token: await node.token('a', { channels }) });
      assert.ok(reply['connect'], JSON.stringify(reply));
      return client;
    };
    const same = await connectWith(['feed:a', 'feed:b']);
    const sameToken = await node.token('a', { channels: ['feed:b', 'feed:a'] });
    assert.equal(await outcomeOf(same, 2, 'refresh', { token: sameToken }), 'ok');
    for (const channels of [['feed:a', 'feed:b', 'feed:c'], ['feed:a'], []]) {
      const client = await connectWith(['feed:a', 'feed:b']);
      const token = await node.token('a', { channels });
      assert.equal(await outcomeOf(client, 2, 'refresh', { token }), 'close 3010', JSON.stringify(channels));
    }
  });

  it('closes with 3500 on a sub_refresh token for another channel or user, or one that does not verify', async () => {
    const refused = [
      await node.token('a', { channel: '$other' }),
      await node.token('b', { channel: '$p' }),
      await signToken({ sub: 'a', channel: '$p' }, 'another-secret-0123456789abcdef'),
      'not-a-jwt',
    ];
    for (const token of refused) {
      const client = await subscribedRaw();
      assert.equal(await outcomeOf(client, 3, 'sub_refresh', { channel: '$p', token }), 'close 3500');
    }
  });

  it('answers sub_refresh without a channel by closing 3501, without a token with 107, expired with 109', async () => {
    const client = await subscribedRaw();
    const expired = await node.token('a', { channel: '$p', exp: now() - 60 }, 0);
    assert.equal(await outcomeOf(client, 3, 'sub_refresh', { channel: '$p', token: expired }), 'error 109');
    assert.equal(await outcomeOf(client, 4, 'sub_refresh', { channel: '$p' }), 'error 107');
    const good = await node.token('a', { channel: '$p' });
    assert.equal(await outcomeOf(client, 5, 'sub_refresh', { channel: '$p', token: good }), 'ok');
    assert.equal(await outcomeOf(client, 6, 'sub_refresh', { token: good }), 'close 3501');
  });

  it('the SDK reconnects after a refresh with an expired token (3005) and gets a good one', async () => {
    const tokens = [
      await node.token('a', { exp: now() - 60 }, 0), // the refresh: closed with 3005
      await node.token('a'), // after 109 on the reconnect with the expired token
    ];
    let calls = 0;
    const client = newClient(node.wsUrl, {
      token: await node.token('a', {}, 2),
      getToken: async () => tokens[Math.min(calls++, tokens.length - 1)]!,
    });
    const connecting: number[] = [];
    const disconnected: number[] = [];
    client.on('connecting', (ctx) => connecting.push(ctx.code));
    client.on('disconnected', (ctx) => disconnected.push(ctx.code));
    client.connect();
    await connected(client);
    await waitFor(() => connecting.includes(3005), 'reconnect after 3005', 8000);
    await connected(client, 5000);
    assert.deepEqual(disconnected, [], 'the SDK never gave up');
    assert.equal(calls, 2);
    client.disconnect();
  });

  it('the SDK reconnects after a refresh whose token names other channels (3010) and gets them', async () => {
    const next = await node.token('a', { channels: ['feed:new'] });
    const client = newClient(node.wsUrl, {
      token: await node.token('a', { channels: ['feed:old'] }, 2),
      getToken: async () => next,
    });
    const subscribed: string[] = [];
    const unsubscribed: string[] = [];
    const connecting: number[] = [];
    client.on('subscribed', (ctx) => subscribed.push(ctx.channel));
    client.on('unsubscribed', (ctx) => unsubscribed.push(ctx.channel));
    client.on('connecting', (ctx) => connecting.push(ctx.code));
    client.connect();
    await connected(client);
    await waitFor(() => subscribed.includes('feed:new'), 'the new token channel', 8000);
    assert.ok(connecting.includes(3010), `reconnected after 3010: ${connecting.join(',')}`);
    assert.ok(unsubscribed.includes('feed:old'), 'the old token channel is gone');
    client.disconnect();
  });

  it('the SDK is disconnected for good (3500) when a subscription refresh returns a token for another channel', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('a') });
    const sub = client.newSubscription('$live', {
      token: await signToken({ sub: 'a', channel: '$live' }, TEST_SECRET, { expiresInSeconds: 2 }),
      getToken: async () => node.token('a', { channel: '$elsewhere' }),
    });
    const disconnected: number[] = [];
    client.on('disconnected', (ctx) => disconnected.push(ctx.code));
    sub.subscribe();
    client.connect();
    await sub.ready(3000);
    await waitFor(() => disconnected.length > 0, 'disconnect', 8000);
    assert.deepEqual(disconnected, [3500]);
    assert.equal(client.state, 'disconnected');
  });
});
