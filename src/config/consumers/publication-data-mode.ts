/**
 * `publication_data_mode` (Centrifugo v6): a queue message is the publication's data itself, the
 * target channels and publish options coming from its headers (Kafka, NATS, RabbitMQ) or fields.
 */
import { bool, section, text } from '../fields.js';

export const publicationDataModeSchema = section({
  enabled: bool(false),
  channels_header: text('centrifugo-channels'),
  idempotency_key_header: text('centrifugo-idempotency-key'),
  delta_header: text('centrifugo-delta'),
  version_header: text('centrifugo-version'),
  version_epoch_header: text('centrifugo-version-epoch'),
  tags_header_prefix: text('centrifugo-tag-'),
});
