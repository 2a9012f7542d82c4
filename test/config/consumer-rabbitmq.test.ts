/** The `rabbitmq` consumer section: defaults, and a bad value fails start-up naming its key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

function withRabbitmq(rabbitmq: Record<string, unknown>, enabled = true): unknown {
  return { consumers: [{ name: 'rmq', enabled, type: 'rabbitmq', rabbitmq }] };
}

describe('consumers[].rabbitmq', () => {
  it('resolves the defaults', () => {
    const config = resolveConfig(withRabbitmq({ queue: 'commands' }));
    const section = config.consumers[0]?.rabbitmq;
    assert.deepEqual(section, {
      url: 'amqp://guest:guest@127.0.0.1:5672/',
      queue: 'commands',
      prefetch_count: 10,
      declare_queue: false,
      durable: true,
      single_active_consumer: true,
      dead_letter_exchange: '',
      dead_letter_routing_key: '',
      dead_letter_queue: '',
      method_header: 'centrifugo-method',
      publication_data_mode: {
        enabled: false,
        channels_header: 'centrifugo-channels',
        idempotency_key_header: 'centrifugo-idempotency-key',
        delta_header: 'centrifugo-delta',
        version_header: 'centrifugo-version',
        version_epoch_header: 'centrifugo-version-epoch',
        tags_header_prefix: 'centrifugo-tag-',
      },
    });
  });

  it('needs a queue', () => {
    const error = assertConfigError(() => resolveConfig(withRabbitmq({})), 'consumers[0].rabbitmq.queue');
    assert.match(error.message, /name of the queue/);
  });

  it('is not checked while disabled', () => {
    assert.equal(resolveConfig(withRabbitmq({}, false)).consumers[0]?.enabled, false);
  });

  it('needs an amqp:// or amqps:// URL, without echoing it', () => {
    const error = assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', url: 'http://user:secret@host/' })),
      'consumers[0].rabbitmq.url',
    );
    assert.doesNotMatch(error.message, /secret/);
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', url: 'not a url' })),
      'consumers[0].rabbitmq.url',
    );
    const ok = resolveConfig(withRabbitmq({ queue: 'q', url: 'amqps://u:p@broker:5671/vhost' }));
    assert.equal(ok.consumers[0]?.rabbitmq.url, 'amqps://u:p@broker:5671/vhost');
  });

  it('checks prefetch_count against AMQP and zero', () => {
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', prefetch_count: 70_000 })),
      'consumers[0].rabbitmq.prefetch_count',
    );
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', prefetch_count: 0 })),
      'consumers[0].rabbitmq.prefetch_count',
    );
  });

  it('takes one dead-letter destination', () => {
    assertConfigError(
      () =>
        resolveConfig(withRabbitmq({ queue: 'q', dead_letter_exchange: 'dlx', dead_letter_queue: 'dlq' })),
      'consumers[0].rabbitmq.dead_letter_queue',
    );
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', dead_letter_routing_key: 'rk' })),
      'consumers[0].rabbitmq.dead_letter_routing_key',
    );
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', dead_letter_queue: 'q' })),
      'consumers[0].rabbitmq.dead_letter_queue',
    );
  });

  it('refuses unknown keys and wrong types', () => {
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', prefetch: 5 })),
      'consumers[0].rabbitmq.prefetch',
    );
    assertConfigError(
      () => resolveConfig(withRabbitmq({ queue: 'q', declare_queue: 'yes' })),
      'consumers[0].rabbitmq.declare_queue',
    );
  });

  it('needs a channels header in publication data mode', () => {
    assertConfigError(
      () =>
        resolveConfig(
          withRabbitmq({ queue: 'q', publication_data_mode: { enabled: true, channels_header: '' } }),
        ),
      'consumers[0].rabbitmq.publication_data_mode.channels_header',
    );
  });
});
