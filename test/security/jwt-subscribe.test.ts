/**
 * Subscription attacks over a real WebSocket: private channels without or with a forged, expired or
 * misdirected subscription token, personal channels of another user (`#b`), user-limited channels
 * with several users (`dialog#a,b`) by someone not listed, and `sub_refresh` with a wrong token.
 * As in Centrifugo: a token that does not verify is error 103 on subscribe (the connection stays
 * open) and disconnect 3500 on sub_refresh; a verified token issued for another user or channel is
 * disconnect 3500 on both; an expired one is 109.
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
    ['token of another user', 'a', '$priv', () => subToken({ sub: 'b', channel: '$priv' }), 'close 3500'],
    [
      'token for another channel',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$other' }),
      'close 3500',
    ],
    [
      'token limited to another client id',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', client: 'someone-else' }),
      'close 3500',
    ],
    ['anonymous with a token without sub', '', '$priv', () => subToken({ channel: '$priv' }), 'ok'],
    ['user a with a token without sub', 'a', '$priv', () => subToken({ channel: '$priv' }), 'close 3500'],
    ['private in a namespace ($chat:x) without a token', 'a', '$chat:x', async () => undefined, 'error 103'],
    [
      'private in a namespace ($chat:x) with a token',
      'a',
      '$chat:x',
      () => subToken({ sub: 'a', channel: '$chat:x' }),
      'ok',
    ],
    ['"$" after the namespace (chat:$x) is not private', 'a', 'chat:$x', async () => undefined, 'ok'],
    ['private in an unknown namespace ($nope:x)', 'a', '$nope:x', async () => undefined, 'error 102'],
    [
      'token for a channel in an unknown namespace',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: 'nope:x' }),
      'error 102',
    ],
    [
      'token for the channel in other case',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$PRIV' }),
      'close 3500',
    ],
    [
      'expired token',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', exp: now() - 60 }),
      'error 109',
    ],
    [
      'token not yet valid (nbf), answered as expired like Centrifugo',
      'a',
      '$priv',
      () => subToken({ sub: 'a', channel: '$priv', nbf: now() + 3600 }),
      'error 109',
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
    // Centrifugo compares the user with every entry after the last "#", an empty one included: the
    // empty entry is the anonymous user "".
    ['anonymous on dialog#a,,b, (empty entries)', '', 'dialog#a,,b,', async () => undefined, 'ok'],
    ['anonymous on # (the empty user)', '', '#', async () => undefined, 'ok'],
    ['user a on dialog# (only the empty user)', 'a', 'dialog#', async () => undefined, 'error 103'],
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

  /** A connection of user a subscribed to $priv with a good token, and sub_refresh on it. */
  async function subscribedToPriv(): Promise<
    (id: number, channel: string, token: string) => Promise<string>
  > {
    const { client } = await connectOutcome(node.wsUrl, await node.token('a'));
    open.push(client);
    const good = await subToken({ sub: 'a', channel: '$priv' });
    assert.equal(await outcomeOf(client, 2, 'subscribe', { channel: '$priv', token: good }), 'ok');
    return (id, channel, token) => outcomeOf(client, id, 'sub_refresh', { channel, token });
  }

  it('sub_refresh closes with 3500 on a token of another user or channel, or one that does not verify', async () => {
    const refused = [
      await subToken({ sub: 'b', channel: '$priv' }),
      await subToken({ sub: 'a', channel: '$other' }),
      unsignedToken({ sub: 'a', channel: '$priv', aud: SUB_AUDIENCE }),
      'garbage',
    ];
    for (const token of refused) {
      const refresh = await subscribedToPriv();
      assert.equal(await refresh(3, '$priv', token), 'close 3500');
    }
  });

  it('sub_refresh answers 109 to an expired token, 103 for a channel not subscribed, and keeps the connection', async () => {
    const refresh = await subscribedToPriv();
    assert.equal(
      await refresh(3, '$priv', await subToken({ sub: 'a', channel: '$priv', exp: now() - 60 })),
      'error 109',
    );
    assert.equal(await refresh(4, '$other', await subToken({ sub: 'a', channel: '$other' })), 'error 103');
    assert.equal(await refresh(5, '$priv', await subToken({ sub: 'a', channel: '$priv' })), 'ok');
  });
});
