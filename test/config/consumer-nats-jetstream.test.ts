/** The `nats_jetstream` consumer section: defaults, and a bad value fails start-up naming its key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deadLetterStream,
  deadLetterSubject,
  subjectMatches,
} from '../../src/config/consumers/nats-jetstream.js';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

const BASE = { stream_name: 'EVENTS', durable_consumer_name: 'switchboard' };

function withSection(section: Record<string, unknown>, enabled = true) {
  return { consumers: [{ name: 'nats', enabled, type: 'nats_jetstream', nats_jetstream: section }] };
}

describe('consumers: nats_jetstream', () => {
  it('resolves Centrifugo defaults and ours', () => {
    const section = resolveConfig(withSection(BASE)).consumers[0]!.nats_jetstream;
    assert.equal(section.url, 'nats://127.0.0.1:4222');
    assert.equal(section.deliver_policy, 'new');
    assert.equal(section.max_ack_pending, 1);
    assert.equal(section.ack_wait, 30_000);
    assert.equal(section.method_header, 'centrifugo-method');
    assert.equal(section.use_existing_consumer, false);
    assert.equal(section.create_dead_letter_stream, true);
    assert.deepEqual(section.subjects, []);
    assert.equal(section.publication_data_mode.enabled, false);
    assert.equal(section.publication_data_mode.channels_header, 'centrifugo-channels');
    assert.equal(deadLetterSubject(section), 'dead_letter.EVENTS.switchboard');
    assert.equal(deadLetterStream(section), 'EVENTS_dead_letter');
  });

  it('takes every key', () => {
    const section = resolveConfig(
      withSection({
        ...BASE,
        url: 'tls://nats.internal:4222',
        credentials_file: '/etc/nats/user.creds',
        username: 'u',
        password: 'secret',
        token: 't',
        subjects: ['events.*', 'audit.>'],
        use_existing_consumer: true,
        deliver_policy: 'all',
        max_ack_pending: 100,
        ack_wait: '10s',
        method_header: 'x-method',
        dead_letter_subject: 'dlq.events',
        dead_letter_stream: 'DLQ',
        create_dead_letter_stream: false,
        publication_data_mode: { enabled: true, channels_header: 'x-channels' },
        tls: { enabled: true, server_ca_pem: '/etc/ca.pem', insecure_skip_verify: true },
      }),
    ).consumers[0]!.nats_jetstream;
    assert.equal(section.ack_wait, 10_000);
    assert.equal(section.max_ack_pending, 100);
    assert.equal(deadLetterSubject(section), 'dlq.events');
    assert.equal(deadLetterStream(section), 'DLQ');
  });

  it('matches subjects as JetStream filters do', () => {
    assert.ok(subjectMatches('events.>', 'events.a.b'));
    assert.ok(subjectMatches('events.*', 'events.a'));
    assert.ok(!subjectMatches('events.*', 'events.a.b'));
    assert.ok(!subjectMatches('events.>', 'events'));
    assert.ok(subjectMatches('dead_letter.EVENTS.x', 'dead_letter.EVENTS.x'));
    assert.ok(!subjectMatches('events.a', 'events.b'));
  });

  const bad: [string, Record<string, unknown>][] = [
    ['stream_name', { durable_consumer_name: 'c' }],
    ['stream_name', { ...BASE, stream_name: 'a.b' }],
    ['durable_consumer_name', { stream_name: 'EVENTS' }],
    ['durable_consumer_name', { ...BASE, durable_consumer_name: 'with space' }],
    ['url', { ...BASE, url: 'http://localhost:4222' }],
    ['url', { ...BASE, url: '' }],
    ['deliver_policy', { ...BASE, deliver_policy: 'last' }],
    ['max_ack_pending', { ...BASE, max_ack_pending: 0 }],
    ['ack_wait', { ...BASE, ack_wait: 30 }],
    ['ack_wait', { ...BASE, ack_wait: 0 }],
    ['subjects[1]', { ...BASE, subjects: ['events.a', 'bad subject'] }],
    ['subjects[0]', { ...BASE, subjects: ['events.>.x'] }],
    ['username', { ...BASE, password: 'secret' }],
    ['dead_letter_subject', { ...BASE, dead_letter_subject: 'dlq.*' }],
    ['dead_letter_subject', { ...BASE, subjects: ['events.>'], dead_letter_subject: 'events.dead' }],
    ['dead_letter_subject', { ...BASE, subjects: ['dead_letter.>'] }],
    ['dead_letter_stream', { ...BASE, dead_letter_stream: 'a.b' }],
    ['dead_letter_stream', { ...BASE, dead_letter_stream: 'EVENTS' }],
    [
      'publication_data_mode.channels_header',
      { ...BASE, publication_data_mode: { enabled: true, channels_header: '' } },
    ],
    ['tls.key_pem', { ...BASE, tls: { enabled: true, cert_pem: '/c.pem' } }],
    ['unknown', { ...BASE, unknown: 1 }],
  ];
  for (const [index, [key, section]] of bad.entries()) {
    it(`fails naming nats_jetstream.${key} (case ${index})`, () => {
      const error = assertConfigError(
        () => resolveConfig(withSection(section)),
        `consumers[0].nats_jetstream.${key}`,
      );
      assert.ok(!error.message.includes('secret'), 'the password is not repeated');
    });
  }

  it('checks nothing of a disabled consumer', () => {
    const config = resolveConfig(withSection({}, false));
    assert.equal(config.consumers[0]!.enabled, false);
  });
});
