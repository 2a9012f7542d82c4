/** Turning the demo on for a development node: the `chat` namespace is added only when missing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { DEMO_CHAT_NAMESPACE, demoBanner, enableDevDemo } from '../../src/demo/namespace.js';

describe('enableDevDemo', () => {
  it('turns the demo on and adds the chat namespace with history, presence and publish', () => {
    const config = resolveConfig({ channel: { namespaces: [{ name: 'news' }] } });
    assert.deepEqual(enableDevDemo(config), { addedNamespace: true });
    assert.equal(config.demo.enabled, true);
    assert.deepEqual(
      config.channel.namespaces.map((ns) => ns.name),
      ['news', 'chat'],
    );
    const chat = config.channel.namespaces[1]!;
    assert.equal(chat.history_size, 100);
    assert.equal(chat.history_ttl, 3_600_000);
    assert.equal(chat.force_recovery, true);
    assert.equal(chat.presence && chat.join_leave && chat.allow_publish_for_subscriber, true);
    assert.deepEqual(demoBanner(config, 'http://localhost:8000').slice(1), [
      'Chat demo (development only, demo.enabled): open http://localhost:8000/ in two browser windows',
    ]);
  });

  it('keeps a chat namespace the config already has', () => {
    const config = resolveConfig({ channel: { namespaces: [{ name: 'chat', presence: true }] } });
    assert.deepEqual(enableDevDemo(config), { addedNamespace: false });
    assert.equal(config.channel.namespaces.length, 1);
    assert.equal(config.channel.namespaces[0]!.history_size, 0);
  });

  it('is off in a resolved config, and on without a chat namespace the banner warns', () => {
    assert.deepEqual(demoBanner(resolveConfig({}), 'http://x'), []);
    const config = resolveConfig({ demo: { enabled: true } });
    assert.match(demoBanner(config, 'http://x').join('\n'), /warning: no "chat" namespace/);
    const withChat = resolveConfig({
      demo: { enabled: true },
      channel: { namespaces: [DEMO_CHAT_NAMESPACE] },
    });
    assert.doesNotMatch(demoBanner(withChat, 'http://x').join('\n'), /warning/);
  });
});
