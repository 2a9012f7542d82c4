/**
 * `history_meta_ttl` is bounded: a stream's position is dropped that long after its last publish,
 * so it must be above zero (0 used to mean "keep forever", which lets every channel ever published
 * stay in the engine). The default is Centrifugo's 30 days.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

describe('config: history_meta_ttl', () => {
  it('defaults to 30 days', () => {
    const config = resolveConfig({});
    assert.equal(config.channel.without_namespace.history_meta_ttl, 30 * 24 * 60 * 60 * 1000);
  });

  it('refuses 0, at the top level and in a namespace', () => {
    assertConfigError(
      () => resolveConfig({ channel: { without_namespace: { history_meta_ttl: 0 } } }),
      'channel.without_namespace.history_meta_ttl',
    );
    assertConfigError(
      () => resolveConfig({ channel: { namespaces: [{ name: 'feed', history_meta_ttl: '0s' }] } }),
      'channel.namespaces[0].history_meta_ttl',
    );
  });

  it('accepts any positive duration at least as long as history_ttl', () => {
    const config = resolveConfig({
      channel: {
        namespaces: [{ name: 'feed', history_size: 10, history_ttl: '60s', history_meta_ttl: '1h' }],
      },
    });
    assert.equal(config.channel.namespaces[0]?.history_meta_ttl, 3_600_000);
  });
});
