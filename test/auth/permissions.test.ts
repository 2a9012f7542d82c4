import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ChannelRules,
  canHistory,
  canPresence,
  canPublish,
  canRejoinAtConnect,
  canSubscribe,
  hasHistory,
  type PermissionContext,
} from '../../src/auth/index.js';
import type { ChannelOptions } from '../../src/config/types.js';
import { ErrorCode } from '../../src/protocol/codes.js';
import { channelOptions, makeConfig, namespace } from './make-config.js';

const config = makeConfig({
  namespaces: [namespace('open', { allow_subscribe_for_anonymous: true })],
});
const rules = new ChannelRules(config);
const denied = ErrorCode.PermissionDenied;

/** A context for `channel`, with the options of its namespace unless given. */
function ctx(overrides: Partial<PermissionContext> & { channel?: string }): PermissionContext {
  const channel = overrides.channel ?? 'news';
  const options = overrides.options ?? rules.namespaceOf(channel)?.options;
  assert.ok(options, `no namespace for ${channel}`);
  return {
    user: '42',
    channel,
    options,
    subscribed: false,
    hasSubscriptionToken: false,
    rules,
    ...overrides,
  };
}

function opts(overrides: Partial<ChannelOptions>): ChannelOptions {
  return channelOptions(overrides);
}

describe('canSubscribe', () => {
  it('lets authenticated users subscribe by default and refuses anonymous ones', () => {
    assert.equal(canSubscribe(ctx({ user: '42' })), null);
    assert.equal(canSubscribe(ctx({ user: '' })), denied);
  });

  it('follows allow_subscribe_for_client, and allow_subscribe_for_anonymous for anonymous users', () => {
    const closed = opts({ allow_subscribe_for_client: false });
    assert.equal(canSubscribe(ctx({ options: closed })), denied);
    assert.equal(canSubscribe(ctx({ channel: 'open:room', user: '' })), null);
    assert.equal(canSubscribe(ctx({ channel: 'open:room', user: '42' })), null);
  });

  it('needs allow_subscribe_for_client for anonymous users too: for_anonymous alone grants nothing', () => {
    const anonOnly = opts({ allow_subscribe_for_client: false, allow_subscribe_for_anonymous: true });
    assert.equal(canSubscribe(ctx({ options: anonOnly, user: '' })), denied);
    assert.equal(canSubscribe(ctx({ options: anonOnly, user: '42' })), denied);
  });

  it('grants anything with a verified subscription token', () => {
    const closed = opts({ allow_subscribe_for_client: false });
    assert.equal(canSubscribe(ctx({ options: closed, hasSubscriptionToken: true })), null);
    assert.equal(canSubscribe(ctx({ user: '', hasSubscriptionToken: true })), null);
    assert.equal(canSubscribe(ctx({ channel: '#7', user: '42', hasSubscriptionToken: true })), null);
  });

  it('refuses a private channel without a token and grants it with one', () => {
    for (const channel of ['$secret', '$open:secret']) {
      assert.equal(canSubscribe(ctx({ channel })), denied, channel);
      assert.equal(canSubscribe(ctx({ channel, user: '' })), denied, channel);
      assert.equal(canSubscribe(ctx({ channel, hasSubscriptionToken: true })), null, channel);
    }
  });

  it('treats "$" after the namespace as an ordinary character: open:$secret follows open', () => {
    assert.equal(canSubscribe(ctx({ channel: 'open:$secret' })), null);
    assert.equal(canSubscribe(ctx({ channel: 'open:$secret', user: '' })), null);
  });

  it('lets only the owner into a personal channel: user A on #B is refused', () => {
    assert.equal(canSubscribe(ctx({ channel: '#A', user: 'A' })), null);
    assert.equal(canSubscribe(ctx({ channel: '#B', user: 'A' })), denied);
    assert.equal(canSubscribe(ctx({ channel: rules.personalChannel('A'), user: 'A' })), null);
  });

  it('lets the listed users into dialog#A,B and refuses others', () => {
    assert.equal(canSubscribe(ctx({ channel: 'dialog#A,B', user: 'A' })), null);
    assert.equal(canSubscribe(ctx({ channel: 'dialog#A,B', user: 'B' })), null);
    assert.equal(canSubscribe(ctx({ channel: 'dialog#A,B', user: 'C' })), denied);
    assert.equal(canSubscribe(ctx({ channel: 'dialog#A,B', user: 'A,B' })), denied);
    assert.equal(canSubscribe(ctx({ channel: 'open:dialog#A,B', user: 'C' })), denied);
  });

  it('admits listed users even when allow_subscribe_for_client is false', () => {
    const closed = opts({ allow_subscribe_for_client: false });
    assert.equal(canSubscribe(ctx({ channel: '#A', user: 'A', options: closed })), null);
  });

  it('admits anonymous users to a user-limited channel only where an empty entry names them', () => {
    const open = opts({ allow_subscribe_for_anonymous: true });
    assert.equal(canSubscribe(ctx({ channel: '#A', user: '', options: open })), denied);
    assert.equal(canSubscribe(ctx({ channel: 'dialog#A,B', user: '', options: open })), denied);
    // Centrifugo's UserAllowed compares the user with each entry, "" included.
    assert.equal(canSubscribe(ctx({ channel: 'dialog#', user: '' })), null);
    assert.equal(canSubscribe(ctx({ channel: 'dialog#A,,B', user: '' })), null);
    assert.equal(canSubscribe(ctx({ channel: '#', user: '' })), null);
    assert.equal(canSubscribe(ctx({ channel: 'dialog#', user: 'A' })), denied);
  });

  it('treats "#" as an ordinary character when allow_user_limited_channels is false', () => {
    const plain = opts({ allow_user_limited_channels: false });
    assert.equal(canSubscribe(ctx({ channel: '#B', user: 'A', options: plain })), null);
    assert.equal(canSubscribe(ctx({ channel: '#B', user: '', options: plain })), denied);
    const closed = opts({ allow_user_limited_channels: false, allow_subscribe_for_client: false });
    assert.equal(canSubscribe(ctx({ channel: '#A', user: 'A', options: closed })), denied);
  });

  it('keeps private channels private even when user-limited', () => {
    assert.equal(canSubscribe(ctx({ channel: '$dialog#A,B', user: 'A' })), denied);
    assert.equal(canSubscribe(ctx({ channel: '$#A', user: 'A' })), denied);
  });
});

describe('canRejoinAtConnect', () => {
  it('rejoins what the client could subscribe to without a token, never a private channel', () => {
    assert.equal(canRejoinAtConnect(ctx({})), true);
    assert.equal(canRejoinAtConnect(ctx({ channel: '$secret' })), false);
    assert.equal(canRejoinAtConnect(ctx({ channel: '$secret', hasSubscriptionToken: true })), false);
    assert.equal(canRejoinAtConnect(ctx({ options: opts({ allow_subscribe_for_client: false }) })), false);
    assert.equal(canRejoinAtConnect(ctx({ user: '' })), false);
    assert.equal(canRejoinAtConnect(ctx({ channel: 'open:room', user: '' })), true);
  });

  it('rejoins a user-limited channel only for a listed authenticated user', () => {
    assert.equal(canRejoinAtConnect(ctx({ channel: 'dialog#42,43' })), true);
    assert.equal(canRejoinAtConnect(ctx({ channel: 'dialog#43' })), false);
    // Unlike subscribe, an empty entry does not admit the anonymous user here (as in Centrifugo).
    assert.equal(canRejoinAtConnect(ctx({ channel: 'dialog#', user: '' })), false);
  });
});

describe('canPublish', () => {
  it('refuses by default', () => {
    assert.equal(canPublish(ctx({ user: '42' })), denied);
    assert.equal(canPublish(ctx({ user: '42', subscribed: true })), denied);
    assert.equal(canPublish(ctx({ user: '' })), denied);
  });

  it('grants authenticated clients with allow_publish_for_client, not anonymous ones', () => {
    const options = opts({ allow_publish_for_client: true });
    assert.equal(canPublish(ctx({ options, user: '42' })), null);
    assert.equal(canPublish(ctx({ options, user: '' })), denied);
  });

  it('adds anonymous clients with allow_publish_for_anonymous, which grants nothing alone', () => {
    const alone = opts({ allow_publish_for_anonymous: true });
    assert.equal(canPublish(ctx({ options: alone, user: '' })), denied);
    assert.equal(canPublish(ctx({ options: alone, user: '42' })), denied);
    const withClient = opts({ allow_publish_for_anonymous: true, allow_publish_for_client: true });
    assert.equal(canPublish(ctx({ options: withClient, user: '' })), null);
    const withSubscriber = opts({ allow_publish_for_anonymous: true, allow_publish_for_subscriber: true });
    assert.equal(canPublish(ctx({ options: withSubscriber, user: '', subscribed: true })), null);
    assert.equal(canPublish(ctx({ options: withSubscriber, user: '' })), denied);
  });

  it('grants authenticated subscribers with allow_publish_for_subscriber, not others', () => {
    const options = opts({ allow_publish_for_subscriber: true });
    assert.equal(canPublish(ctx({ options, subscribed: true })), null);
    assert.equal(canPublish(ctx({ options, subscribed: true, user: '' })), denied);
    assert.equal(canPublish(ctx({ options, subscribed: false })), denied);
  });
});

describe('canPresence', () => {
  it('is NotAvailable without presence, whatever the permissions', () => {
    const options = opts({ allow_presence_for_client: true, allow_presence_for_subscriber: true });
    assert.equal(canPresence(ctx({ options, subscribed: true })), ErrorCode.NotAvailable);
  });

  it('refuses by default when presence is on', () => {
    const options = opts({ presence: true });
    assert.equal(canPresence(ctx({ options, subscribed: true })), denied);
    assert.equal(canPresence(ctx({ options })), denied);
  });

  it('grants authenticated subscribers with allow_presence_for_subscriber', () => {
    const options = opts({ presence: true, allow_presence_for_subscriber: true });
    assert.equal(canPresence(ctx({ options, subscribed: true })), null);
    assert.equal(canPresence(ctx({ options, subscribed: true, user: '' })), denied);
    assert.equal(canPresence(ctx({ options, subscribed: false })), denied);
  });

  it('adds anonymous users with allow_presence_for_anonymous, which grants nothing alone', () => {
    const alone = opts({ presence: true, allow_presence_for_anonymous: true });
    assert.equal(canPresence(ctx({ options: alone, user: '', subscribed: true })), denied);
    const subscriber = opts({ ...alone, allow_presence_for_subscriber: true });
    assert.equal(canPresence(ctx({ options: subscriber, user: '', subscribed: true })), null);
    assert.equal(canPresence(ctx({ options: subscriber, user: '' })), denied);
    const client = opts({ ...alone, allow_presence_for_client: true });
    assert.equal(canPresence(ctx({ options: client, user: '' })), null);
  });

  it('grants authenticated clients with allow_presence_for_client, not anonymous ones', () => {
    const options = opts({ presence: true, allow_presence_for_client: true });
    assert.equal(canPresence(ctx({ options })), null);
    assert.equal(canPresence(ctx({ options, user: '' })), denied);
  });
});

describe('canHistory', () => {
  const history = { history_size: 10, history_ttl: 60_000 };

  it('is NotAvailable unless both history_size and history_ttl are set', () => {
    const allowAll = { allow_history_for_client: true, allow_history_for_subscriber: true };
    for (const options of [
      opts(allowAll),
      opts({ ...allowAll, history_size: 10 }),
      opts({ ...allowAll, history_ttl: 60_000 }),
    ]) {
      assert.equal(hasHistory(options), false);
      assert.equal(canHistory(ctx({ options, subscribed: true })), ErrorCode.NotAvailable);
    }
    assert.equal(hasHistory(opts(history)), true);
  });

  it('refuses by default when history is on', () => {
    assert.equal(canHistory(ctx({ options: opts(history), subscribed: true })), denied);
  });

  it('grants authenticated subscribers with allow_history_for_subscriber', () => {
    const options = opts({ ...history, allow_history_for_subscriber: true });
    assert.equal(canHistory(ctx({ options, subscribed: true })), null);
    assert.equal(canHistory(ctx({ options, subscribed: true, user: '' })), denied);
    assert.equal(canHistory(ctx({ options })), denied);
  });

  it('adds anonymous users with allow_history_for_anonymous, which grants nothing alone', () => {
    const alone = opts({ ...history, allow_history_for_anonymous: true });
    assert.equal(canHistory(ctx({ options: alone, user: '', subscribed: true })), denied);
    const subscriber = opts({ ...alone, allow_history_for_subscriber: true });
    assert.equal(canHistory(ctx({ options: subscriber, user: '', subscribed: true })), null);
    const client = opts({ ...alone, allow_history_for_client: true });
    assert.equal(canHistory(ctx({ options: client, user: '' })), null);
  });

  it('grants authenticated clients with allow_history_for_client, not anonymous ones', () => {
    const options = opts({ ...history, allow_history_for_client: true });
    assert.equal(canHistory(ctx({ options })), null);
    assert.equal(canHistory(ctx({ options, user: '' })), denied);
  });
});
