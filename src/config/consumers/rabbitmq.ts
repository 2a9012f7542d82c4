/**
 * The `rabbitmq` section of a `consumers` entry. Centrifugo v6 has no RabbitMQ consumer, so the keys
 * are ours, named in the spirit of its other consumers (`method_header`, `publication_data_mode`):
 * the broker `url`, the `queue` and its `prefetch_count`; optionally the queue's declaration
 * (`declare_queue`, `durable`, `single_active_consumer`); and where messages that can never be
 * applied go (`dead_letter_exchange` + `dead_letter_routing_key`, or `dead_letter_queue`, by default
 * `<queue>.dead-letter`).
 */
import type { z } from 'zod';
import { bool, positiveCount, section, text } from '../fields.js';
import { publicationDataModeSchema } from './publication-data-mode.js';

/** AMQP 0-9-1's prefetch count is a 16-bit field. */
const MAX_PREFETCH = 65_535;
/** AMQP short strings (queue and exchange names) are at most 255 bytes. */
const MAX_NAME_BYTES = 255;

export const rabbitmqSchema = section({
  /** `amqp://user:pass@host:5672/vhost` (or `amqps://`); `?heartbeat=N` overrides the 10 s heartbeat. */
  url: text('amqp://guest:guest@127.0.0.1:5672/'),
  /** The queue to consume. Required. */
  queue: text(),
  /** Unacknowledged messages the broker may send ahead; they are still applied one at a time, in order. */
  prefetch_count: positiveCount(10),
  /** Declare the queue (and its arguments) instead of only checking that it exists. */
  declare_queue: bool(false),
  /** With `declare_queue`: a durable queue (survives a broker restart). */
  durable: bool(true),
  /** With `declare_queue`: `x-single-active-consumer`, one node consumes at a time and order holds. */
  single_active_consumer: bool(true),
  /** An existing exchange dead letters are published to; empty: the dead-letter queue. */
  dead_letter_exchange: text(),
  /** With `dead_letter_exchange`: the routing key; empty keeps the message's own routing key. */
  dead_letter_routing_key: text(),
  /** The queue dead letters go to, declared durable by the consumer; empty: `<queue>.dead-letter`. */
  dead_letter_queue: text(),
  /** The header naming the API method when the body is the method's params; empty: only envelopes. */
  method_header: text('centrifugo-method'),
  publication_data_mode: publicationDataModeSchema,
});

export type RabbitmqConsumerConfig = z.output<typeof rabbitmqSchema>;

/** The dead-letter queue the consumer declares when no dead-letter exchange is configured. */
export function deadLetterQueueName(section: RabbitmqConsumerConfig): string {
  return section.dead_letter_queue !== '' ? section.dead_letter_queue : `${section.queue}.dead-letter`;
}

/** Checks of an enabled consumer of this type; issues are added with paths inside the section. */
export function checkRabbitmq(
  section: RabbitmqConsumerConfig,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  checkUrl(section.url, issue);
  if (section.queue === '') {
    issue(['queue'], 'expected the name of the queue to consume, got nothing', section.queue);
  } else if (Buffer.byteLength(section.queue) > MAX_NAME_BYTES) {
    issue(['queue'], `expected a queue name of at most ${MAX_NAME_BYTES} bytes`, section.queue);
  }
  if (section.prefetch_count > MAX_PREFETCH) {
    issue(
      ['prefetch_count'],
      `expected at most ${MAX_PREFETCH} (AMQP's limit), got ${section.prefetch_count}`,
      section.prefetch_count,
    );
  }
  if (section.dead_letter_exchange !== '' && section.dead_letter_queue !== '') {
    issue(
      ['dead_letter_queue'],
      'expected either dead_letter_exchange or dead_letter_queue, got both',
      section.dead_letter_queue,
    );
  }
  if (section.dead_letter_routing_key !== '' && section.dead_letter_exchange === '') {
    issue(
      ['dead_letter_routing_key'],
      'expected dead_letter_exchange to be set with dead_letter_routing_key, got no exchange',
      section.dead_letter_routing_key,
    );
  }
  if (section.queue !== '' && section.dead_letter_exchange === '') {
    const dlq = deadLetterQueueName(section);
    if (dlq === section.queue) {
      issue(['dead_letter_queue'], 'expected a dead-letter queue other than the consumed queue', dlq);
    } else if (Buffer.byteLength(dlq) > MAX_NAME_BYTES) {
      issue(['dead_letter_queue'], `expected a queue name of at most ${MAX_NAME_BYTES} bytes`, dlq);
    }
  }
  const mode = section.publication_data_mode;
  if (mode.enabled && mode.channels_header === '') {
    issue(
      ['publication_data_mode', 'channels_header'],
      'expected a header name for the channels in publication data mode, got nothing',
      mode.channels_header,
    );
  }
}

/** Messages name the URL's protocol and host only: the URL may carry a password. */
function checkUrl(
  url: string,
  issue: (path: (string | number)[], message: string, input: unknown) => void,
): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    issue(['url'], 'expected an amqp:// or amqps:// URL, got a string that is not a URL', url);
    return;
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    issue(['url'], `expected an amqp:// or amqps:// URL, got a ${parsed.protocol}// URL`, url);
  } else if (parsed.hostname === '') {
    issue(['url'], 'expected a host in the URL, got none', url);
  }
}
