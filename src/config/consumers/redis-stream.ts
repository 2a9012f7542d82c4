/**
 * The `redis_stream` section of a `consumers` entry, with Centrifugo v6's key names: the Redis
 * connection (`address`, `connect_timeout`, `io_timeout`, `db`, `user`, `password`, `client_name`),
 * `streams`, `consumer_group`, `visibility_timeout`, `num_workers`, `payload_value`, `method_value`
 * and `publication_data_mode` (fields `*_value`). Switchboard adds `batch_size` (entries read at
 * once) and `dead_letter_stream` (where entries that can never be applied go).
 */
import { z } from 'zod';
import { bool, count, describeValue, duration, positiveCount, section, text, textList } from '../fields.js';

/** Centrifugo's `address` is a list (one shard here); a single string is accepted too. */
const addressList = z
  .union([z.string(), z.array(z.string())], {
    error: (i) => `expected a Redis address or a list of one, got ${describeValue(i.input)}`,
  })
  .transform((value) => (typeof value === 'string' ? [value] : value))
  .default(() => ['redis://127.0.0.1:6379']);

export const redisStreamPublicationDataModeSchema = section({
  enabled: bool(false),
  channels_value: text('centrifugo-channels'),
  idempotency_key_value: text('centrifugo-idempotency-key'),
  delta_value: text('centrifugo-delta'),
  version_value: text('centrifugo-version'),
  version_epoch_value: text('centrifugo-version-epoch'),
  tags_value_prefix: text('centrifugo-tag-'),
});

export const redisStreamSchema = section({
  address: addressList,
  connect_timeout: duration(1_000, { positive: true }),
  io_timeout: duration(4_000, { positive: true }),
  db: count(0),
  user: text(),
  password: text(),
  client_name: text(),
  streams: textList(),
  consumer_group: text(),
  visibility_timeout: duration(30_000, { positive: true }),
  num_workers: positiveCount(1),
  payload_value: text('payload'),
  method_value: text('method'),
  batch_size: positiveCount(200),
  dead_letter_stream: text(),
  publication_data_mode: redisStreamPublicationDataModeSchema,
});

export type RedisStreamConsumerConfig = z.output<typeof redisStreamSchema>;

/** Shortest `visibility_timeout`: the stream lease is renewed every third of it. */
export const MIN_VISIBILITY_TIMEOUT_MS = 1_000;
/** The dead-letter stream of `<stream>` unless `dead_letter_stream` names one: `<stream>:dead-letter`. */
export const DEAD_LETTER_SUFFIX = ':dead-letter';
/** Most entries read in one `XREADGROUP`. */
export const MAX_BATCH_SIZE = 1_000;

const ADDRESS = /^(rediss?:\/\/[^\s]+|[^\s/:]+:\d+)$/;

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkRedisStream(
  section: RedisStreamConsumerConfig,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  if (section.address.length !== 1) {
    issue(
      ['address'],
      `expected exactly one Redis address (one shard), got ${section.address.length}`,
      section.address,
    );
  }
  section.address.forEach((address, i) => {
    if (!ADDRESS.test(address)) {
      issue(
        ['address', i],
        `expected "redis://host:port", "rediss://host:port" or "host:port", got ${JSON.stringify(address)}`,
        address,
      );
    }
  });
  if (section.streams.length === 0) issue(['streams'], 'expected at least one stream key', section.streams);
  const seen = new Set<string>();
  section.streams.forEach((stream, i) => {
    if (stream === '') issue(['streams', i], 'expected a non-empty stream key', stream);
    else if (seen.has(stream))
      issue(['streams', i], `expected unique stream keys, got "${stream}" again`, stream);
    seen.add(stream);
  });
  if (section.consumer_group === '') {
    issue(['consumer_group'], 'expected a consumer group name', section.consumer_group);
  }
  if (section.visibility_timeout < MIN_VISIBILITY_TIMEOUT_MS) {
    issue(
      ['visibility_timeout'],
      `expected at least ${MIN_VISIBILITY_TIMEOUT_MS / 1000}s, got ${section.visibility_timeout} ms`,
      section.visibility_timeout,
    );
  }
  if (section.payload_value === '') {
    issue(['payload_value'], 'expected the name of the field holding the payload', section.payload_value);
  }
  if (section.batch_size > MAX_BATCH_SIZE) {
    issue(
      ['batch_size'],
      `expected at most ${MAX_BATCH_SIZE}, got ${section.batch_size}`,
      section.batch_size,
    );
  }
  const deadLetters = section.dead_letter_stream;
  if (deadLetters !== '' && section.streams.includes(deadLetters)) {
    issue(
      ['dead_letter_stream'],
      `expected a stream that is not consumed, got "${deadLetters}"`,
      deadLetters,
    );
  }
  section.streams.forEach((stream, i) => {
    const source = stream.slice(0, -DEAD_LETTER_SUFFIX.length);
    if (deadLetters === '' && stream.endsWith(DEAD_LETTER_SUFFIX) && seen.has(source)) {
      issue(
        ['streams', i],
        `expected a stream that is not consumed: the dead letters of "${source}"`,
        stream,
      );
    }
  });
  const mode = section.publication_data_mode;
  if (mode.enabled && mode.channels_value === '') {
    issue(
      ['publication_data_mode', 'channels_value'],
      'expected the name of the field holding the channels when publication data mode is enabled',
      mode.channels_value,
    );
  }
}
