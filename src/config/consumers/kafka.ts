/**
 * The `kafka` section of a `consumers` entry, with Centrifugo v6's key names: `brokers`, `topics`,
 * `consumer_group`, the fetch knobs kafkajs has (`fetch_max_bytes`, `fetch_max_wait`,
 * `fetch_read_uncommitted`), `dial_timeout`, `tls`, `sasl_mechanism` / `sasl_user` /
 * `sasl_password` (plain and SCRAM), `method_header` and `publication_data_mode`. Ours:
 * `session_timeout` (how soon the group moves a dead node's partitions) and `dead_letter_topic`.
 * Centrifugo keys kafkajs cannot honour (`max_poll_records`, `partition_queue_max_size`,
 * `instance_id`, `assume_role_arn`, `aws-msk-iam`) are rejected rather than silently ignored.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { bool, count, duration, oneOf, section, text, textList } from '../fields.js';
import { publicationDataModeSchema } from './publication-data-mode.js';

/** TLS to the brokers, as Centrifugo's TLSConfig (client side): each PEM a path, PEM text or base64 PEM. */
const kafkaTlsSchema = section({
  enabled: bool(false),
  cert_pem: text(),
  key_pem: text(),
  server_ca_pem: text(),
  insecure_skip_verify: bool(false),
  server_name: text(),
});

export const SASL_MECHANISMS = ['', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;

export const kafkaSchema = section({
  brokers: textList(),
  topics: textList(),
  consumer_group: text(),
  /** Bytes per fetch request; 0 keeps kafkajs's default (10 MiB). */
  fetch_max_bytes: count(0),
  fetch_max_wait: duration(500, { positive: true }),
  fetch_read_uncommitted: bool(false),
  dial_timeout: duration(3000, { positive: true }),
  session_timeout: duration(30_000, { positive: true }),
  tls: kafkaTlsSchema,
  sasl_mechanism: oneOf(SASL_MECHANISMS, ''),
  sasl_user: text(),
  sasl_password: text(),
  method_header: text('centrifugo-method'),
  publication_data_mode: publicationDataModeSchema,
  /** Where poison messages go; empty: `<source topic>.dlq`. */
  dead_letter_topic: text(),
});

export type KafkaConsumerConfig = z.output<typeof kafkaSchema>;

/** The dead-letter topic of messages taken from `topic`. */
export function deadLetterTopic(config: KafkaConsumerConfig, topic: string): string {
  return config.dead_letter_topic === '' ? `${topic}.dlq` : config.dead_letter_topic;
}

/**
 * The PEM text of a TLS key's value: PEM itself, a file path, or base64 of PEM (as Centrifugo).
 * Throws with what is wrong.
 */
export function readPem(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN')) return trimmed;
  if (existsSync(trimmed)) {
    const text = readFileSync(trimmed, 'utf8');
    if (!text.includes('-----BEGIN')) throw new Error(`file "${trimmed}" holds no PEM block`);
    return text;
  }
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
  if (decoded.includes('-----BEGIN')) return decoded;
  throw new Error(`expected PEM text, a readable PEM file or base64 PEM, got "${trimmed.slice(0, 40)}"`);
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const BROKER = /^[^\s:/]+:\d{1,5}$/;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkKafka(
  c: KafkaConsumerConfig,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  if (c.brokers.length === 0) issue(['brokers'], 'expected at least one broker "host:port"', c.brokers);
  c.brokers.forEach((b, i) => {
    if (!BROKER.test(b)) issue(['brokers', i], `expected a broker "host:port", got "${b}"`, b);
  });
  if (c.topics.length === 0) issue(['topics'], 'expected at least one topic', c.topics);
  c.topics.forEach((t, i) => {
    if (!TOPIC.test(t)) issue(['topics', i], `expected a Kafka topic name ([A-Za-z0-9._-]), got "${t}"`, t);
  });
  if (c.consumer_group === '') issue(['consumer_group'], 'expected a consumer group id', c.consumer_group);
  if (c.method_header === '') issue(['method_header'], 'expected a header name', c.method_header);
  if (c.dead_letter_topic !== '' && !TOPIC.test(c.dead_letter_topic)) {
    issue(
      ['dead_letter_topic'],
      `expected a Kafka topic name, got "${c.dead_letter_topic}"`,
      c.dead_letter_topic,
    );
  }
  for (const t of c.topics) {
    if (c.topics.includes(deadLetterTopic(c, t))) {
      issue(['dead_letter_topic'], `the dead-letter topic of "${t}" is consumed too`, c.dead_letter_topic);
      break;
    }
  }
  const mode = c.publication_data_mode;
  if (mode.enabled && mode.channels_header === '') {
    issue(['publication_data_mode', 'channels_header'], 'expected a header name', mode.channels_header);
  }
  if (c.sasl_mechanism !== '' && c.sasl_user === '') {
    issue(['sasl_user'], `expected a user for sasl_mechanism "${c.sasl_mechanism}"`, c.sasl_user);
  }
  if (c.sasl_mechanism === '' && (c.sasl_user !== '' || c.sasl_password !== '')) {
    issue(['sasl_mechanism'], 'sasl_user is set, so expected plain, scram-sha-256 or scram-sha-512', '');
  }
  checkTls(c.tls, issue);
}

function checkTls(
  tls: KafkaConsumerConfig['tls'],
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  if (!tls.enabled) return;
  if ((tls.cert_pem === '') !== (tls.key_pem === '')) {
    const missing = tls.cert_pem === '' ? 'cert_pem' : 'key_pem';
    issue(['tls', missing], 'a client certificate needs both cert_pem and key_pem', '');
  }
  for (const key of ['cert_pem', 'key_pem', 'server_ca_pem'] as const) {
    if (tls[key] === '') continue;
    try {
      readPem(tls[key]);
    } catch (error) {
      issue(['tls', key], (error as Error).message, tls[key]);
    }
  }
}
