/**
 * What a `nats_jetstream` consumer needs on the broker before it pulls: its durable pull consumer
 * (created or brought up to date with the configured filter, ack wait and max ack pending, as
 * Centrifugo's CreateOrUpdateConsumer; only looked up with `use_existing_consumer`) and the stream
 * that captures its dead-letter subject (created, or given the subject, unless
 * `create_dead_letter_stream` is off). Every node runs this on each (re)connection; it is idempotent.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import {
  deadLetterStream,
  deadLetterSubject,
  type NatsJetStreamConsumerConfig,
  subjectMatches,
} from '../../config/consumers/nats-jetstream.js';

function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

/** The filter part of the consumer's config: one subject works on every server, several need 2.10. */
function filter(c: NatsJetStreamConsumerConfig): Partial<ConsumerConfig> {
  if (c.subjects.length === 0) return {};
  if (c.subjects.length === 1) return { filter_subject: c.subjects[0]! };
  return { filter_subjects: [...c.subjects] };
}

/** Creates the durable consumer, or updates the keys we own when it exists with other values. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  c: NatsJetStreamConsumerConfig,
): Promise<ConsumerInfo> {
  const stream = c.stream_name;
  const name = c.durable_consumer_name;
  if (c.use_existing_consumer) return jsm.consumers.info(stream, name);
  const mutable: Partial<ConsumerConfig> = {
    ack_wait: nanos(c.ack_wait),
    max_ack_pending: c.max_ack_pending,
    ...filter(c),
  };
  let info: ConsumerInfo | undefined;
  try {
    info = await jsm.consumers.info(stream, name);
  } catch (error) {
    if (apiCode(error) !== JetStreamApiCodes.ConsumerNotFound) throw error;
  }
  if (info === undefined) {
    try {
      return await jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: c.deliver_policy === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
        ...mutable,
      });
    } catch (error) {
      // Another node created it meanwhile (with our config it is the same consumer): use it.
      info = await jsm.consumers.info(stream, name).catch(() => {
        throw error;
      });
    }
  }
  const have = info.config;
  const sameFilter =
    (have.filter_subject ?? '') === (mutable.filter_subject ?? '') &&
    (have.filter_subjects ?? []).join(' ') === (mutable.filter_subjects ?? []).join(' ');
  if (have.ack_wait === mutable.ack_wait && have.max_ack_pending === mutable.max_ack_pending && sameFilter) {
    return info;
  }
  return jsm.consumers.update(stream, name, mutable);
}

/** Makes sure a stream captures the dead-letter subject (creating it, or adding the subject). */
export async function ensureDeadLetterStream(
  jsm: JetStreamManager,
  c: NatsJetStreamConsumerConfig,
): Promise<void> {
  if (!c.create_dead_letter_stream) return;
  const name = deadLetterStream(c);
  const subject = deadLetterSubject(c);
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.streams.info(name);
      const subjects = info.config.subjects ?? [];
      if (subjects.some((s) => subjectMatches(s, subject))) return;
      await jsm.streams.update(name, { subjects: [...subjects, subject] });
      return;
    } catch (error) {
      if (apiCode(error) !== JetStreamApiCodes.StreamNotFound) throw error;
    }
    try {
      await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File });
      return;
    } catch (error) {
      // Another node created it between our two calls: look again, once.
      if (attempt > 0) throw error;
    }
  }
}
