import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelRules } from '../../src/auth/index.js';
import { ErrorCode } from '../../src/protocol/codes.js';
import { makeConfig, namespace } from './make-config.js';

const config = makeConfig({
  maxLength: 20,
  withoutNamespace: { presence: true },
  namespaces: [namespace('chat', { history_size: 10, history_ttl: 60_000 }), namespace('dialog')],
});
const rules = new ChannelRules(config);

describe('ChannelRules.namespaceOf', () => {
  it('uses channel.without_namespace for channels without ":"', () => {
    for (const channel of ['news', '#42', 'dialog#1,2', '$secret']) {
      const ns = rules.namespaceOf(channel);
      assert.equal(ns?.namespace, '');
      assert.equal(ns?.options, config.channel.without_namespace);
    }
  });

  it('takes the namespace before the first ":"', () => {
    const ns = rules.namespaceOf('chat:room:1');
    assert.equal(ns?.namespace, 'chat');
    assert.equal(ns?.options.history_size, 10);
    assert.equal(rules.namespaceOf('dialog:#1,2')?.namespace, 'dialog');
    assert.equal(rules.namespaceOf('chat:$private')?.namespace, 'chat');
  });

  it('sets a leading private "$" aside: $chat:x is in chat, $x and $:x have no namespace', () => {
    assert.equal(rules.namespaceOf('$chat:secret')?.namespace, 'chat');
    assert.equal(rules.namespaceOf('$chat:secret')?.options.history_size, 10);
    assert.equal(rules.namespaceOf('$secret')?.namespace, '');
    assert.equal(rules.namespaceOf('$:secret')?.namespace, '');
    // Only one "$" is the private mark; the next one is part of the namespace name.
    assert.equal(rules.namespaceOf('$$chat:secret'), null);
    assert.equal(rules.validate('$chat:secret'), null);
    assert.equal(rules.validate('$nope:secret'), ErrorCode.UnknownChannel);
  });

  it('returns null for a namespace that is not configured', () => {
    assert.equal(rules.namespaceOf('unknown:room'), null);
    assert.equal(rules.namespaceOf('Chat:room'), null);
  });

  it('treats an empty prefix (":room") as no namespace', () => {
    assert.equal(rules.namespaceOf(':room')?.namespace, '');
  });
});

describe('ChannelRules.validate', () => {
  it('accepts good names', () => {
    for (const channel of ['a', 'chat:room', '#42', 'x'.repeat(20), '€'.repeat(20), '😀'.repeat(20)]) {
      assert.equal(rules.validate(channel), null, channel);
    }
  });

  it('refuses an empty or too long name with BadRequest', () => {
    assert.equal(rules.validate(''), ErrorCode.BadRequest);
    assert.equal(rules.validate('x'.repeat(21)), ErrorCode.BadRequest);
    assert.equal(rules.validate('😀'.repeat(21)), ErrorCode.BadRequest);
    assert.equal(rules.validate(`unknown:${'x'.repeat(20)}`), ErrorCode.BadRequest);
  });

  it('refuses an unknown namespace with UnknownChannel', () => {
    assert.equal(rules.validate('unknown:room'), ErrorCode.UnknownChannel);
  });
});

describe('ChannelRules.allowedUsers', () => {
  it('reads the user list after the last "#"', () => {
    assert.deepEqual(rules.allowedUsers('dialog#42,43'), ['42', '43']);
    assert.deepEqual(rules.allowedUsers('#42'), ['42']);
    assert.deepEqual(rules.allowedUsers('chat:#42'), ['42']);
    assert.deepEqual(rules.allowedUsers('a#b#42,,43'), ['42', '', '43']);
  });

  it('keeps empty entries, which name the anonymous user (as Centrifugo UserAllowed does)', () => {
    assert.deepEqual(rules.allowedUsers('dialog#'), ['']);
    assert.deepEqual(rules.allowedUsers('#'), ['']);
    assert.deepEqual(rules.allowedUsers('dialog#42,'), ['42', '']);
  });

  it('returns null without "#"', () => {
    assert.equal(rules.allowedUsers('news'), null);
    assert.equal(rules.allowedUsers('chat:room'), null);
  });
});

describe('ChannelRules.isPrivate', () => {
  it('is true for names whose first character is "$", namespace or not', () => {
    assert.equal(rules.isPrivate('$secret'), true);
    assert.equal(rules.isPrivate('$chat:secret'), true);
    assert.equal(rules.isPrivate('$'), true);
  });

  it('is false otherwise, "$" after the namespace included (chat:$x is an ordinary channel)', () => {
    for (const channel of ['secret', 'chat:$secret', 'chat:secret', 'chat:se$cret', 'a$b', '#42', ' $x']) {
      assert.equal(rules.isPrivate(channel), false, channel);
    }
  });
});

describe('ChannelRules.personalChannel', () => {
  it('is #<user> without a personal channel namespace', () => {
    assert.equal(rules.personalChannel('42'), '#42');
  });

  it('is <ns>:#<user> with one', () => {
    const withNs = new ChannelRules(makeConfig({ personalChannelNamespace: 'personal' }));
    assert.equal(withNs.personalChannel('42'), 'personal:#42');
    assert.deepEqual(withNs.allowedUsers(withNs.personalChannel('42')), ['42']);
  });
});
