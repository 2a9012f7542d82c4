/**
 * Tokens without `sub`, over real sockets and with the centrifuge SDK. As in Centrifugo, a missing
 * `sub` is the anonymous user `""` in connection and subscription tokens, and that user then meets
 * the anonymous rules: no personal channel, `allow_*_for_anonymous` needed on top of the `_for_client`
 * and `_for_subscriber` options, user-limited channels only where an empty entry names it, and
 * `client.disallow_anonymous_connection_tokens` to refuse such tokens (3507).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { resolveConfig } from '../../src/config/index.js';
import {
  collect,
  connected,
  newClient,
  type RawClient,
  startTestNode,
  TEST_SECRET,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { connectOutcome, outcomeOf } from './outcome.js';

/** An HS256 token of the test secret without `sub` (unless the claims add one), valid for an hour. */
const anonymous = (claims: Record<string, unknown> = {}): Promise<string> =>
  signToken(claims, TEST_SECRET, { expiresInSeconds: 3600 });

describe('tokens without sub: the anonymous user', () => {
  let node: TestNode;
  let strict: TestNode;
  const open: RawClient[] = [];

  before(async () => {
    const namespaces = [
      // Anonymous users may subscribe and read presence as subscribers.
      {
        name: 'lobby',
        allow_subscribe_for_anonymous: true,
        presence: true,
        allow_presence_for_subscriber: true,
        allow_presence_for_anonymous: true,
      },
      // Subscribers read presence and history, but only authenticated ones.
      {
        name: 'members',
        presence: true,
        history_size: 5,
        history_ttl: '60s',
        allow_presence_for_subscriber: true,
        allow_history_for_subscriber: true,
      },
      { name: 'dialog' },
    ];
    node = await startTestNode({ channel: { namespaces } });
    strict = await startTestNode({
      client: { disallow_anonymous_connection_tokens: true, allow_anonymous_connect_without_token: true },
    });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await Promise.all([node.stop(), strict.stop()]);
  });

  async function connect(target: TestNode, token: string | undefined): Promise<[string, RawClient]> {
    const { outcome, client } = await connectOutcome(target.wsUrl, token);
    open.push(client);
    return [outcome, client];
  }

  it('connects a token without sub (or with sub null) as "", without a personal channel', async () => {
    for (const token of [await anonymous(), await anonymous({ sub: null })]) {
      const [outcome, client] = await connect(node, token);
      assert.equal(outcome, 'ok');
      const reply = client.received[0]?.['connect'] as { subs?: unknown };
      // subscribe_to_user_personal_channel is on by default: only non-anonymous users get one.
      assert.equal(reply.subs, undefined);
    }
  });

  it('still refuses a sub that is not a string (3500)', async () => {
    assert.equal((await connect(node, await anonymous({ sub: 42 })))[0], 'close 3500');
  });

  it('shows the anonymous user as "" in presence', async () => {
    const [, client] = await connect(node, await anonymous());
    assert.equal(await outcomeOf(client, 2, 'subscribe', { channel: 'lobby:hall' }), 'ok');
    const reply = await client.call(3, 'presence', { channel: 'lobby:hall' });
    const presence = (reply['presence'] as { presence: Record<string, { user: string }> }).presence;
    assert.deepEqual(
      Object.values(presence).map((p) => p.user),
      [''],
    );
  });

  it('needs allow_*_for_anonymous on top of the subscriber options: members:x refuses presence and history', async () => {
    const [, client] = await connect(node, await anonymous({ channels: ['members:x'] }));
    assert.equal(await outcomeOf(client, 2, 'presence', { channel: 'members:x' }), 'error 103');
    assert.equal(await outcomeOf(client, 3, 'history', { channel: 'members:x' }), 'error 103');
    const [, member] = await connect(node, await node.token('alice', { channels: ['members:x'] }));
    assert.equal(await outcomeOf(member, 2, 'presence', { channel: 'members:x' }), 'ok');
    assert.equal(await outcomeOf(member, 3, 'history', { channel: 'members:x' }), 'ok');
  });

  it('refuses client subscribe where only authenticated users may subscribe', async () => {
    const [, client] = await connect(node, await anonymous());
    assert.equal(await outcomeOf(client, 2, 'subscribe', { channel: 'members:y' }), 'error 103');
  });

  it('lets the anonymous user into a user-limited channel only where an empty entry names it', async () => {
    const [, client] = await connect(node, await anonymous());
    assert.equal(await outcomeOf(client, 2, 'subscribe', { channel: 'dialog:#' }), 'ok');
    assert.equal(await outcomeOf(client, 3, 'subscribe', { channel: 'dialog:x#alice,' }), 'ok');
    assert.equal(await outcomeOf(client, 4, 'subscribe', { channel: 'dialog:x#alice' }), 'error 103');
  });

  it('accepts a subscription token without sub for the anonymous user, and closes a named user with it (3500)', async () => {
    const token = await anonymous({ channel: '$p' });
    const [, anon] = await connect(node, await anonymous());
    assert.equal(await outcomeOf(anon, 2, 'subscribe', { channel: '$p', token }), 'ok');
    const [, alice] = await connect(node, await node.token('alice'));
    assert.equal(await outcomeOf(alice, 2, 'subscribe', { channel: '$p', token }), 'close 3500');
  });

  it('refuses anonymous connection tokens with 3507 under disallow_anonymous_connection_tokens', async () => {
    assert.equal((await connect(strict, await anonymous()))[0], 'close 3507');
    assert.equal((await connect(strict, await anonymous({ sub: '' })))[0], 'close 3507');
    assert.equal((await connect(strict, await strict.token('alice')))[0], 'ok');
    // The option is about tokens: connecting without one is allow_anonymous_connect_without_token's.
    assert.equal((await connect(strict, undefined))[0], 'ok');
  });

  it('refuses a personal channel namespace that is not configured at start, as Centrifugo does', () => {
    assert.throws(
      () =>
        resolveConfig({
          client: { subscribe_to_user_personal_channel: { personal_channel_namespace: 'users' } },
        }),
      /personal_channel_namespace/,
    );
    const ok = resolveConfig({
      client: { subscribe_to_user_personal_channel: { personal_channel_namespace: 'users' } },
      channel: { namespaces: [{ name: 'users' }] },
    });
    assert.equal(ok.client.subscribe_to_user_personal_channel.personal_channel_namespace, 'users');
  });

  it('the centrifuge SDK connects with a token without sub, subscribes, reads presence and receives', async () => {
    const client = newClient(node.wsUrl, { token: await anonymous() });
    client.connect();
    await connected(client);
    const sub = client.newSubscription('lobby:sdk');
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    const presence = await sub.presence();
    assert.deepEqual(
      Object.values(presence.clients).map((c) => c.user),
      [''],
    );
    await node.api('publish', { channel: 'lobby:sdk', data: { n: 1 } });
    await waitFor(() => got.length === 1, 'publication');
    const denied = client.newSubscription('members:sdk');
    const codes: number[] = [];
    denied.on('unsubscribed', (ctx) => codes.push(ctx.code));
    denied.subscribe();
    await waitFor(() => codes.length > 0, 'refusal');
    assert.deepEqual(codes, [103]);
    client.disconnect();
  });
});
