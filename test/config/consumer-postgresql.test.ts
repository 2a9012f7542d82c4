/** The `postgresql` consumer section: defaults, and a bad value fails start-up naming its key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadLetterTable } from '../../src/config/consumers/postgresql.js';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

const DSN = 'postgresql://user:secret@localhost:5432/app';

function withSection(section: Record<string, unknown>, enabled = true) {
  return { consumers: [{ name: 'outbox', enabled, type: 'postgresql', postgresql: section }] };
}

describe('consumers: postgresql', () => {
  it('resolves Centrifugo defaults and ours', () => {
    const config = resolveConfig(withSection({ dsn: DSN, outbox_table_name: 'outbox' }));
    const section = config.consumers[0]!.postgresql;
    assert.deepEqual(section, {
      dsn: DSN,
      outbox_table_name: 'outbox',
      num_partitions: 1,
      partition_select_limit: 100,
      partition_poll_interval: 300,
      partition_notification_channel: '',
      partition_notification_dsn: '',
      use_try_lock: false,
      dead_letter_table_name: '',
      lag_interval: 5000,
    });
    assert.equal(deadLetterTable(section), 'outbox_dead_letter');
  });

  it('takes every key', () => {
    const config = resolveConfig(
      withSection({
        dsn: DSN,
        outbox_table_name: 'app.outbox',
        num_partitions: 8,
        partition_select_limit: 10,
        partition_poll_interval: '1s',
        partition_notification_channel: 'outbox',
        partition_notification_dsn: 'postgres://direct:5432/app',
        use_try_lock: true,
        dead_letter_table_name: 'app.dead',
        lag_interval: 0,
      }),
    );
    const section = config.consumers[0]!.postgresql;
    assert.equal(section.num_partitions, 8);
    assert.equal(section.partition_poll_interval, 1000);
    assert.equal(deadLetterTable(section), 'app.dead');
  });

  const bad: [string, Record<string, unknown>][] = [
    ['dsn', { outbox_table_name: 'outbox' }],
    ['dsn', { dsn: 'mysql://localhost/app', outbox_table_name: 'outbox' }],
    ['dsn', { dsn: 'not a url', outbox_table_name: 'outbox' }],
    ['outbox_table_name', { dsn: DSN }],
    ['outbox_table_name', { dsn: DSN, outbox_table_name: 'outbox; DROP TABLE users' }],
    ['outbox_table_name', { dsn: DSN, outbox_table_name: 'a.b.c' }],
    ['num_partitions', { dsn: DSN, outbox_table_name: 'outbox', num_partitions: 0 }],
    ['partition_select_limit', { dsn: DSN, outbox_table_name: 'outbox', partition_select_limit: -1 }],
    ['partition_poll_interval', { dsn: DSN, outbox_table_name: 'outbox', partition_poll_interval: 0 }],
    ['partition_poll_interval', { dsn: DSN, outbox_table_name: 'outbox', partition_poll_interval: 300 }],
    ['use_try_lock', { dsn: DSN, outbox_table_name: 'outbox', use_try_lock: 'yes' }],
    [
      'dead_letter_table_name',
      { dsn: DSN, outbox_table_name: 'outbox', dead_letter_table_name: 'dead-letters' },
    ],
    ['dead_letter_table_name', { dsn: DSN, outbox_table_name: 'outbox', dead_letter_table_name: 'outbox' }],
    [
      'partition_notification_channel',
      { dsn: DSN, outbox_table_name: 'o', partition_notification_channel: 'x'.repeat(64) },
    ],
    ['partition_notification_dsn', { dsn: DSN, outbox_table_name: 'o', partition_notification_dsn: DSN }],
    [
      'partition_notification_dsn',
      {
        dsn: DSN,
        outbox_table_name: 'o',
        partition_notification_channel: 'c',
        partition_notification_dsn: 'x',
      },
    ],
    ['tls', { dsn: DSN, outbox_table_name: 'outbox', tls: { enabled: true } }],
  ];
  for (const [index, [key, section]] of bad.entries()) {
    it(`fails naming postgresql.${key} (case ${index})`, () => {
      const error = assertConfigError(
        () => resolveConfig(withSection(section)),
        `consumers[0].postgresql.${key}`,
      );
      assert.ok(!error.message.includes('secret'), 'the password is not repeated');
    });
  }

  it('checks nothing of a disabled consumer', () => {
    const config = resolveConfig(withSection({}, false));
    assert.equal(config.consumers[0]!.enabled, false);
  });
});
