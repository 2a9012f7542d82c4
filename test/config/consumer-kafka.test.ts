/** The `kafka` consumer section: defaults, every key, and a bad value fails start-up naming its key. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deadLetterTopic, readPem } from '../../src/config/consumers/kafka.js';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

const BASE = { brokers: ['127.0.0.1:9092'], topics: ['commands'], consumer_group: 'switchboard' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function withSection(section: Record<string, unknown>, enabled = true) {
  return { consumers: [{ name: 'k', enabled, type: 'kafka', kafka: section }] };
}

function kafkaOf(section: Record<string, unknown>) {
  return resolveConfig(withSection(section)).consumers[0]!.kafka;
}

describe('consumers: kafka', () => {
  it('resolves Centrifugo defaults and ours', () => {
    const c = kafkaOf(BASE);
    assert.equal(c.method_header, 'centrifugo-method');
    assert.equal(c.fetch_max_wait, 500);
    assert.equal(c.fetch_max_bytes, 0);
    assert.equal(c.fetch_read_uncommitted, false);
    assert.equal(c.dial_timeout, 3000);
    assert.equal(c.session_timeout, 30_000);
    assert.equal(c.sasl_mechanism, '');
    assert.equal(c.tls.enabled, false);
    assert.equal(c.publication_data_mode.enabled, false);
    assert.equal(c.publication_data_mode.channels_header, 'centrifugo-channels');
    assert.equal(deadLetterTopic(c, 'commands'), 'commands.dlq');
  });

  it('takes every key', () => {
    const c = kafkaOf({
      ...BASE,
      brokers: ['k1:9092', 'k2.internal:9093'],
      topics: ['a', 'b.c'],
      fetch_max_bytes: 1_048_576,
      fetch_max_wait: '1s',
      fetch_read_uncommitted: true,
      dial_timeout: '500ms',
      session_timeout: '10s',
      tls: { enabled: true, server_ca_pem: PEM, insecure_skip_verify: true, server_name: 'kafka' },
      sasl_mechanism: 'scram-sha-512',
      sasl_user: 'u',
      sasl_password: 'p',
      method_header: 'x-method',
      publication_data_mode: { enabled: true, channels_header: 'x-channels' },
      dead_letter_topic: 'poison',
    });
    assert.equal(c.fetch_max_wait, 1000);
    assert.equal(c.session_timeout, 10_000);
    assert.equal(c.sasl_mechanism, 'scram-sha-512');
    assert.equal(deadLetterTopic(c, 'a'), 'poison');
    assert.equal(c.publication_data_mode.channels_header, 'x-channels');
  });

  it('needs brokers, topics and a group when enabled, not when disabled', () => {
    assertConfigError(
      () => resolveConfig(withSection({ ...BASE, brokers: [] })),
      'consumers[0].kafka.brokers',
    );
    assertConfigError(() => resolveConfig(withSection({ ...BASE, topics: [] })), 'consumers[0].kafka.topics');
    assertConfigError(
      () => resolveConfig(withSection({ ...BASE, consumer_group: '' })),
      'consumers[0].kafka.consumer_group',
    );
    assert.deepEqual(resolveConfig(withSection({}, false)).consumers[0]!.kafka.brokers, []);
  });

  it('names the bad key', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ brokers: ['no-port'] }, 'consumers[0].kafka.brokers[0]'],
      [{ topics: ['ok', 'bad topic'] }, 'consumers[0].kafka.topics[1]'],
      [{ sasl_mechanism: 'aws-msk-iam' }, 'consumers[0].kafka.sasl_mechanism'],
      [{ sasl_mechanism: 'plain' }, 'consumers[0].kafka.sasl_user'],
      [{ sasl_user: 'u' }, 'consumers[0].kafka.sasl_mechanism'],
      [{ fetch_max_wait: 500 }, 'consumers[0].kafka.fetch_max_wait'],
      [{ max_poll_records: 100 }, 'consumers[0].kafka.max_poll_records'],
      [{ instance_id: 'pod-1' }, 'consumers[0].kafka.instance_id'],
      [{ method_header: '' }, 'consumers[0].kafka.method_header'],
      [{ dead_letter_topic: 'commands' }, 'consumers[0].kafka.dead_letter_topic'],
      [{ dead_letter_topic: 'a/b' }, 'consumers[0].kafka.dead_letter_topic'],
      [
        { publication_data_mode: { enabled: true, channels_header: '' } },
        'consumers[0].kafka.publication_data_mode.channels_header',
      ],
      [{ tls: { enabled: true, cert_pem: PEM } }, 'consumers[0].kafka.tls.key_pem'],
      [{ tls: { enabled: true, server_ca_pem: '/no/such/ca.pem' } }, 'consumers[0].kafka.tls.server_ca_pem'],
    ];
    for (const [change, key] of cases) {
      assertConfigError(() => resolveConfig(withSection({ ...BASE, ...change })), key);
    }
  });

  it('reads PEM as text, from a file or as base64', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-pem-'));
    try {
      const file = join(dir, 'ca.pem');
      writeFileSync(file, PEM);
      assert.equal(readPem(PEM), PEM.trim());
      assert.equal(readPem(file), PEM);
      assert.equal(readPem(Buffer.from(PEM).toString('base64')), PEM);
      writeFileSync(file, 'not pem');
      assert.throws(() => readPem(file), /no PEM block/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
