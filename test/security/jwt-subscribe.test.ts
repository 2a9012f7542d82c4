/**
 * Subscription attacks over a real WebSocket: private channels without or with a forged, expired or
 * misdirected subscription token, personal channels of another user (`#b`), user-limited channels
 * with several users (`dialog#a,b`) by someone not listed, and `sub_refresh` with a wrong token.
 * Refusals are error replies (103 permission denied, 109 token expired); the connection stays open.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { startTestNode, TEST_SECRET, type TestNode } from '../harness/node.js';
import type { RawClient } from '../harness/raw-client.js';
import { connectOutcome, outcomeOf, unsignedToken } from './outcome.js';

const SUB_SECRET = 'subscription-secret-0123456789abcdef';
const SUB_AUDIENCE = 'switchboard-subscriptions';
const now = (): number => Math.floor(Date.now() / 1000);

/** A subscription token signed with the subscription secret, `aud` set unless overridden. */
const subToken = (claims: Record<string, unknown>, secret = SUB_SECRET): Promise<string> =>
  signToken({ aud: SUB_AUDIENCE, exp: now() + 3600, ...claims }, secret);

describe('subscription attacks', () => {
  let node: TestNode;
  const open: RawClient[] = [];

  before(async () => {
    node = await startTestNode({
      client: {
        subscription_token: { enabled: true, hmac_secret_key: SUB_SECRET, audience: SUB_AUDIENCE },
        allow_anonymous_connect_without_token: true,
        subscribe_to_user_personal_channel: { enabled: false },
      },
      channel: { namespaces: [{ name: 'chat' }] },
    });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await node.stop();
  });

  /** Connects as `user` (`''`: anonymous, no token) and subscribes; resolves with the outcome. */
  async function subscribe(user: string, channel: string, token?: string): Promise<string> {
    const { outcome, client } = await connectOutcome(
      node.wsUrl,
      user === '' ? undefined : await node.token(user),
    );
    open.push(client);
    assert.equal(outcome, 'ok');
    return outcomeOf(client, 2, 'subscribe', token === undefined ? { channel } : { channel, token });
  }

  /** [case, user, channel, subscription token, expected]. */
  const cases: [string, string, string, () => Promise<string | undefined>, string][] = [
    ['private channel without a token', 'a', '$priv', async () => undefined, 'error 103'],
    [
      'private channel with a valid token',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv' }),
      'ok',
    ],
    ['token of another user', 'a', '$priv', () => subToken({ sub: 'b', channel: '$priv' }), 'error 103'],
    ['token for another channel', 'a', '$priv', () => subToken({ sub: 'a', channel: '$other' }), 'error 103'],
    [
      'token for the channel in other case',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$PRIV' }),
      'error 103',
    ],
    [
      'expired token',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', exp: now() - 60 }),
      'error 109',
    ],
    [
      'token not yet valid (nbf)',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', nbf: now() + 3600 }),
      'error 103',
    ],
    [
      'alg none',
      'a',
      '$priv',
      async () => unsignedToken({ sub: 'a', channel: '$priv', aud: SUB_AUDIENCE }),
      'error 103',
    ],
    [
      'signed with the connection secret, not the subscription one',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv' }, TEST_SECRET),
      'error 103',
    ],
    [
      'wrong audience',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', aud: 'other' }),
      'error 103',
    ],
    [
      'no audience',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', aud: undefined }),
      'error 103',
    ],
    ['a connection token (no channel claim)', 'a', '$priv', () => subToken({ sub: 'a' }), 'error 103'],
    ['not a JWT', 'a', '$priv', async () => 'garbage', 'error 103'],
    ["user a on b's personal channel #b", 'a', '#b', async () => undefined, 'error 103'],
    ['user a on its own #a', 'a', '#a', async () => undefined, 'ok'],
    ['user a on chat:#b', 'a', 'chat:#b', async () => undefined, 'error 103'],
    ['user a on chat:#a', 'a', 'chat:#a', async () => undefined, 'ok'],
    ['user a on #A (user ids are case-sensitive)', 'a', '#A', async () => undefined, 'error 103'],
    ['user a on dialog#a,b', 'a', 'dialog#a,b', async () => undefined, 'ok'],
    ['user b on dialog#a,b', 'b', 'dialog#a,b', async () => undefined, 'ok'],
    ['user c on dialog#a,b', 'c', 'dialog#a,b', async () => undefined, 'error 103'],
    ['user c on dialog#a,b,c (a different channel)', 'c', 'dialog#a,b,c', async () => undefined, 'ok'],
    ['user "a,b" is not a and b', 'a,b', 'dialog#a,b', async () => undefined, 'error 103'],
    ['anonymous on dialog#a,b', '', 'dialog#a,b', async () => undefined, 'error 103'],
    ['anonymous on dialog#a,,b (empty entries)', '', 'dialog#a,,b,', async () => undefined, 'error 103'],
    ['anonymous on # (no user)', '', '#', async () => undefined, 'error 103'],
    [
      'user a on $dialog#a,b (private and user-limited)',
      'a',
      '$dialog#a,b',
      async () => undefined,
      'error 103',
    ],
    [
      'user c on dialog#a,b with a subscription token for c',
      'c',
      'dialog#a,b',
      () => subToken({ sub: 'c', channel: 'dialog#a,b' }),
      'ok',
    ],
    [
      'anonymous on a public channel (allow_subscribe_for_anonymous off)',
      '',
      'news',
      async () => undefined,
      'error 103',
    ],
    ['unknown namespace', 'a', 'nope:x', async () => undefined, 'error 102'],
    [
      'unknown namespace with a valid token',
      'a',
      'nope:$x',
      () => subToken({ sub: 'a', channel: 'nope:$x' }),
      'error 102',
    ],
  ];

  for (const [name, user, channel, token, expected] of cases) {
    it(`${name}: ${expected}`, async () => {
      assert.equal(await subscribe(user, channel, await token()), expected);
    });
  }

  it('sub_refresh refuses a token of another user or channel (103), an expired one (109), and an unsubscribed channel (103)', async () => {
    const { client } = await connectOutcome(node.wsUrl, await node.token('a'));
    open.push(client);
    const good = await subToken({ sub: 'a', channel: '$priv' });
    assert.equal(await outcomeOf(client, 2, 'subscribe', { channel: '$priv', token: good }), 'ok');
    const refresh = (id: number, channel: string, token: string) =>
      outcomeOf(client, id, 'sub_refresh', { channel, token });
    assert.equal(await refresh(3, '$priv', await subToken({ sub: 'b', channel: '$priv' })), 'error 103');
    assert.equal(await refresh(4, '$priv', await subToken({ sub: 'a', channel: '$other' })), 'error 103');
    assert.equal(
      await refresh(5, '$priv', await subToken({ sub: 'a', channel: '$priv', exp: now() - 60 })),
      'error 109',
    );
    assert.equal(
      await refresh(6, '$priv', unsignedToken({ sub: 'a', channel: '$priv', aud: SUB_AUDIENCE })),
      'error 103',
    );
    assert.equal(await refresh(7, '$other', await subToken({ sub: 'a', channel: '$other' })), 'error 103');
    assert.equal(await refresh(8, '$priv', good), 'ok');
    // The connection survived every refusal.
    assert.equal(await outcomeOf(client, 9, 'presence_stats', { channel: 'news' }), 'error 108');
  });
});
