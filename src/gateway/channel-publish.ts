/**
 * Publishing into a channel, for client `publish` commands and the server API alike: through the
 * engine's broker, appending to the channel's history when its namespace keeps one, deduplicated by
 * idempotency key while `http_api.idempotency_ttl` lasts.
 */
import type { ChannelOptions, Config } from '../config/types.js';
import type { Broker, PublishResult } from '../engine/types.js';
import type { Publication } from '../protocol/types.js';
import { historyEnabled } from './history-read.js';

export interface PublishExtras {
  idempotencyKey?: string;
  /** The series `pub.version` counts in (see the engine's `PublishOptions.versionEpoch`). */
  versionEpoch?: string;
}

/** Publishes `pub` into `channel`, whose namespace options are `options`. */
export type ChannelPublish = (
  channel: string,
  pub: Publication,
  options: ChannelOptions,
  extras?: PublishExtras,
) => Promise<PublishResult>;

export function channelPublisher(broker: Broker, config: Pick<Config, 'http_api'>): ChannelPublish {
  return (channel, pub, options, extras) => {
    const history = historyEnabled(options)
      ? { size: options.history_size, ttlMs: options.history_ttl, metaTtlMs: options.history_meta_ttl }
      : undefined;
    const ttl = config.http_api.idempotency_ttl;
    return broker.publish(channel, pub, {
      history,
      // A ttl of 0 turns deduplication off.
      idempotencyKey: ttl > 0 ? extras?.idempotencyKey : undefined,
      idempotencyTtlMs: ttl,
      versionEpoch: extras?.versionEpoch,
    });
  };
}
