/**
 * The `nats_jetstream` section of a `consumers` entry: Centrifugo v6's keys (url, credentials_file,
 * username/password, token, stream_name, subjects, durable_consumer_name, use_existing_consumer,
 * deliver_policy, max_ack_pending, method_header, publication_data_mode, tls) plus ours: `ack_wait`
 * and the dead-letter destination (`dead_letter_subject`, `dead_letter_stream`,
 * `create_dead_letter_stream`). `max_ack_pending` defaults to 1 here (Centrifugo: 100): one message
 * outstanding at a time across all nodes is what keeps the stream's order.
 */
import type { z } from 'zod';
import { bool, duration, oneOf, positiveCount, section, text, textList } from '../fields.js';
import { publicationDataModeSchema } from './publication-data-mode.js';

export const natsJetStreamSchema = section({
  url: text('nats://127.0.0.1:4222'),
  credentials_file: text(),
  username: text(),
  password: text(),
  token: text(),
  stream_name: text(),
  subjects: textList(),
  durable_consumer_name: text(),
  use_existing_consumer: bool(false),
  deliver_policy: oneOf(['new', 'all'], 'new'),
  max_ack_pending: positiveCount(1),
  ack_wait: duration(30_000, { positive: true }),
  method_header: text('centrifugo-method'),
  dead_letter_subject: text(),
  dead_letter_stream: text(),
  create_dead_letter_stream: bool(true),
  publication_data_mode: publicationDataModeSchema,
  tls: section({
    enabled: bool(false),
    cert_pem: text(),
    key_pem: text(),
    server_ca_pem: text(),
    insecure_skip_verify: bool(false),
  }),
});

export type NatsJetStreamConsumerConfig = z.output<typeof natsJetStreamSchema>;

/** `dead_letter.<stream>.<durable>` unless `dead_letter_subject` names one. */
export function deadLetterSubject(c: NatsJetStreamConsumerConfig): string {
  return c.dead_letter_subject !== ''
    ? c.dead_letter_subject
    : `dead_letter.${c.stream_name}.${c.durable_consumer_name}`;
}

/** `<stream>_dead_letter` unless `dead_letter_stream` names one. */
export function deadLetterStream(c: NatsJetStreamConsumerConfig): string {
  return c.dead_letter_stream !== '' ? c.dead_letter_stream : `${c.stream_name}_dead_letter`;
}

/** Stream and consumer names: no whitespace, no `.`, `*`, `>`, `/` or `\` (JetStream's rule). */
const NAME = /^[^\s.*>/\\]+$/;
/** A subject: dot-separated non-empty tokens without whitespace. */
const SUBJECT = /^[^\s.]+(\.[^\s.]+)*$/;

/** Whether `subject` (no wildcards) matches the filter `pattern` (`*` one token, `>` the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

function validSubject(subject: string, wildcards: boolean): boolean {
  if (!SUBJECT.test(subject)) return false;
  const tokens = subject.split('.');
  return tokens.every((t, i) =>
    wildcards ? t === '*' || (t === '>' && i === tokens.length - 1) || !/[*>]/.test(t) : !/[*>]/.test(t),
  );
}

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkNatsJetStream(
  c: NatsJetStreamConsumerConfig,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  if (!/^(nats|tls):\/\/[^\s/]+$|^[^\s/:]+:\d+$/.test(c.url)) {
    issue(['url'], `expected a NATS URL like "nats://127.0.0.1:4222", got ${JSON.stringify(c.url)}`, c.url);
  }
  for (const key of ['stream_name', 'durable_consumer_name'] as const) {
    if (c[key] === '') issue([key], `expected a name (required), got ""`, c[key]);
    else if (!NAME.test(c[key])) {
      issue([key], `expected a name without spaces, ".", "*", ">", "/" or "\\", got "${c[key]}"`, c[key]);
    }
  }
  if (c.password !== '' && c.username === '') {
    issue(['username'], 'expected a username with the password, got ""', c.username);
  }
  c.subjects.forEach((s, i) => {
    if (!validSubject(s, true)) issue(['subjects', i], `expected a NATS subject, got "${s}"`, s);
  });
  if (c.dead_letter_subject !== '' && !validSubject(c.dead_letter_subject, false)) {
    issue(
      ['dead_letter_subject'],
      `expected a NATS subject without wildcards, got "${c.dead_letter_subject}"`,
      c.dead_letter_subject,
    );
  }
  if (c.dead_letter_stream !== '' && !NAME.test(c.dead_letter_stream)) {
    issue(
      ['dead_letter_stream'],
      `expected a stream name, got "${c.dead_letter_stream}"`,
      c.dead_letter_stream,
    );
  }
  if (c.create_dead_letter_stream && c.dead_letter_stream === c.stream_name && c.stream_name !== '') {
    issue(['dead_letter_stream'], 'expected a stream other than stream_name', c.dead_letter_stream);
  }
  const dead = deadLetterSubject(c);
  const loop = c.subjects.find((s) => subjectMatches(s, dead));
  if (loop !== undefined) {
    issue(
      ['dead_letter_subject'],
      `expected a subject the consumer does not read, got "${dead}" (matches "${loop}" in subjects)`,
      c.dead_letter_subject,
    );
  }
  if (c.publication_data_mode.enabled && c.publication_data_mode.channels_header === '') {
    issue(
      ['publication_data_mode', 'channels_header'],
      'expected a header name with publication_data_mode enabled, got ""',
      '',
    );
  }
  if (c.tls.enabled && (c.tls.cert_pem === '') !== (c.tls.key_pem === '')) {
    issue(['tls', 'key_pem'], 'expected cert_pem and key_pem together', c.tls.key_pem);
  }
}
