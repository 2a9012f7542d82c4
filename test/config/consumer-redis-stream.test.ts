/** The `redis_stream` consumer section: defaults as Centrifugo v6, and bad values named by key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

function consumer(section: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return resolveConfig({
    consumers: [{ name: 'rs', enabled: true, type: 'redis_stream', redis_stream: section, ...extra }],
  });
}

const valid = { streams: ['s1'], consumer_group: 'g' };

describe('consumers: redis_stream config', () => {
  it('resolves Centrifugo v6 defaults', () => {
    const c = consumer(valid).consumers[0]!.redis_stream;
    assert.deepEqual(c.address, ['redis://127.0.0.1:6379']);
    assert.equal(c.visibility_timeout, 30_000);
    assert.equal(c.num_workers, 1);
    assert.equal(c.payload_value, 'payload');
    assert.equal(c.method_value, 'method');
    assert.equal(c.connect_timeout, 1_000);
    assert.equal(c.io_timeout, 4_000);
    assert.equal(c.publication_data_mode.enabled, false);
    assert.equal(c.publication_data_mode.channels_value, 'centrifugo-channels');
    assert.equal(c.publication_data_mode.tags_value_prefix, 'centrifugo-tag-');
    assert.equal(c.dead_letter_stream, '');
  });

  it('accepts an address as a string or a list of one', () => {
    assert.deepEqual(consumer({ ...valid, address: '127.0.0.1:7000' }).consumers[0]!.redis_stream.address, [
      '127.0.0.1:7000',
    ]);
    assert.deepEqual(consumer({ ...valid, address: ['redis://h:1/2'] }).consumers[0]!.redis_stream.address, [
      'redis://h:1/2',
    ]);
  });

  it('names the key of a bad value', () => {
    assertConfigError(() => consumer({ ...valid, streams: [] }), 'consumers[0].redis_stream.streams');
    assertConfigError(() => consumer({ streams: ['s'] }), 'consumers[0].redis_stream.consumer_group');
    assertConfigError(
      () => consumer({ ...valid, streams: ['a', 'a'] }),
      'consumers[0].redis_stream.streams[1]',
    );
    assertConfigError(
      () => consumer({ ...valid, address: ['a:1', 'b:2'] }),
      'consumers[0].redis_stream.address',
    );
    assertConfigError(() => consumer({ ...valid, address: 'nope' }), 'consumers[0].redis_stream.address[0]');
    assertConfigError(() => consumer({ ...valid, address: 5 }), 'consumers[0].redis_stream.address');
    assertConfigError(
      () => consumer({ ...valid, visibility_timeout: '100ms' }),
      'consumers[0].redis_stream.visibility_timeout',
    );
    assertConfigError(
      () => consumer({ ...valid, visibility_timeout: 30 }),
      'consumers[0].redis_stream.visibility_timeout',
    );
    assertConfigError(() => consumer({ ...valid, num_workers: 0 }), 'consumers[0].redis_stream.num_workers');
    assertConfigError(() => consumer({ ...valid, batch_size: 5000 }), 'consumers[0].redis_stream.batch_size');
    assertConfigError(
      () => consumer({ ...valid, payload_value: '' }),
      'consumers[0].redis_stream.payload_value',
    );
    assertConfigError(
      () => consumer({ ...valid, dead_letter_stream: 's1' }),
      'consumers[0].redis_stream.dead_letter_stream',
    );
    assertConfigError(
      () => consumer({ ...valid, streams: ['s1', 's1:dead-letter'] }),
      'consumers[0].redis_stream.streams[1]',
    );
    assertConfigError(
      () => consumer({ ...valid, publication_data_mode: { enabled: true, channels_value: '' } }),
      'consumers[0].redis_stream.publication_data_mode.channels_value',
    );
    assertConfigError(
      () => consumer({ ...valid, cluster_address: ['a:1'] }),
      'consumers[0].redis_stream.cluster_address',
    );
  });

  it('checks only an enabled consumer', () => {
    const config = consumer({ streams: [] }, { enabled: false });
    assert.equal(config.consumers[0]!.enabled, false);
  });
});
