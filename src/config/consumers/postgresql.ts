/**
 * The `postgresql` section of a `consumers` entry: a transactional outbox table the application
 * inserts rows into in its own transactions. Centrifugo v6's keys (`dsn`, `outbox_table_name`,
 * `num_partitions`, `partition_select_limit`, `partition_poll_interval`,
 * `partition_notification_channel`, `partition_notification_dsn`, `use_try_lock`) plus ours:
 * `dead_letter_table_name` (rows that can never be applied are moved there) and `lag_interval`.
 * TLS is set in the DSN (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`), not in a `tls` section.
 */
import type { z } from 'zod';
import { bool, duration, positiveCount, section, text } from '../fields.js';

export const postgresqlSchema = section({
  dsn: text(),
  outbox_table_name: text(),
  num_partitions: positiveCount(1),
  partition_select_limit: positiveCount(100),
  partition_poll_interval: duration(300, { positive: true }),
  partition_notification_channel: text(),
  partition_notification_dsn: text(),
  use_try_lock: bool(false),
  /** Default `<outbox_table_name>_dead_letter`; created if missing. */
  dead_letter_table_name: text(),
  /** How often the outbox is counted for the lag metric; 0 never counts it. */
  lag_interval: duration(5000),
});

export type PostgresqlConsumerConfig = z.output<typeof postgresqlSchema>;

/** A table name as SQL takes it unquoted: `name` or `schema.name` of letters, digits and `_`. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** PostgreSQL's identifier limit (NAMEDATALEN - 1 bytes). */
const MAX_IDENTIFIER_BYTES = 63;

/** The dead-letter table of a section: its own key, else `<outbox_table_name>_dead_letter`. */
export function deadLetterTable(section: PostgresqlConsumerConfig): string {
  return section.dead_letter_table_name !== ''
    ? section.dead_letter_table_name
    : `${section.outbox_table_name}_dead_letter`;
}

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkPostgresql(
  section: PostgresqlConsumerConfig,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  checkDsn(section.dsn, ['dsn'], true, issue);
  checkDsn(section.partition_notification_dsn, ['partition_notification_dsn'], false, issue);
  checkTable(section.outbox_table_name, ['outbox_table_name'], true, issue);
  checkTable(section.dead_letter_table_name, ['dead_letter_table_name'], false, issue);
  if (section.outbox_table_name !== '' && deadLetterTable(section) === section.outbox_table_name) {
    issue(
      ['dead_letter_table_name'],
      'expected a table other than outbox_table_name',
      section.dead_letter_table_name,
    );
  }
  const channel = section.partition_notification_channel;
  if (Buffer.byteLength(channel) > MAX_IDENTIFIER_BYTES || channel.includes('\0')) {
    issue(
      ['partition_notification_channel'],
      `expected a LISTEN channel name of at most ${MAX_IDENTIFIER_BYTES} bytes, got ${JSON.stringify(channel)}`,
      channel,
    );
  }
  if (section.partition_notification_dsn !== '' && channel === '') {
    issue(
      ['partition_notification_dsn'],
      'expected partition_notification_channel to be set too (the DSN is only used to LISTEN on it)',
      section.partition_notification_dsn,
    );
  }
}

function checkDsn(
  dsn: string,
  path: string[],
  required: boolean,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  if (dsn === '' && !required) return;
  const what = 'a PostgreSQL URL like "postgresql://user:pass@localhost:5432/db"';
  if (dsn === '') {
    issue(path, `expected ${what}, got nothing`, dsn);
    return;
  }
  let ok = false;
  try {
    const url = new URL(dsn);
    ok = url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    ok = false;
  }
  // The password is never repeated in a message.
  if (!ok) issue(path, `expected ${what}, got a value that is not one`, '(hidden)');
}

function checkTable(
  name: string,
  path: string[],
  required: boolean,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  if (name === '' && !required) return;
  const tooLong = name.split('.').some((part) => part.length > MAX_IDENTIFIER_BYTES);
  if (!TABLE_NAME.test(name) || tooLong) {
    issue(
      path,
      `expected a table name like "outbox" or "app.outbox" (letters, digits, "_"), got ${JSON.stringify(name)}`,
      name,
    );
  }
}
