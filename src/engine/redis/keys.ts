/**
 * Key and pub/sub channel names. Everything of one channel shares one Redis Cluster hash tag, so a
 * publish script touches a single slot and the channel's sharded pub/sub lives on the same shard:
 *
 * - `<prefix>:{<channel>}`           publications, joins and leaves (PUBLISH / SPUBLISH)
 * - `<prefix>:{<channel>}:s`         history stream, entry id `<offset>-0`
 * - `<prefix>:{<channel>}:m`         stream meta hash: `e` epoch, `o` offset
 * - `<prefix>:{<channel>}:i:<key>`   idempotency result of a publish
 * - `<prefix>:{<channel>}:p` / `:pz` presence: hash client → info JSON, zset client → expiry ms
 * - `<prefix>:control`               control messages to every node (no hash tag: its own slot)
 * - `{<prefix>:users}:<name>`         user status (`user-status-scripts.ts`): one hash tag, one slot
 * - `<prefix>:seed`                  seed of the epochs of streams without a record (one key;
 *   `<prefix>:seed:{<tag>}` in Redis Cluster: one per slot, `<tag>` a string of that slot)
 *
 * Inside the braces the channel is escaped (`\` → `\\`, `}` → `\)`, empty → `\_`): a `}` would end
 * the hash tag early and let one channel's key spell another channel's key, and an empty tag would
 * spread one channel's keys over several slots.
 */
import { EngineArgumentError } from '../errors.js';
import { requireWellFormed } from '../validate.js';
import { hashSlot } from './slot.js';
import { slotTag, slotTags } from './slot-tags.js';

/** The names of one channel's keys and its pub/sub channel. */
export interface ChannelKeys {
  /** Pub/sub channel of publications, joins and leaves. */
  readonly topic: string;
  readonly stream: string;
  readonly meta: string;
  readonly presence: string;
  readonly presenceExpiry: string;
}

/** Options of a `KeySpace`. */
export interface KeySpaceOptions {
  /**
   * Redis Cluster: a script may touch keys of one slot only, so every slot gets its own seed key.
   * Elsewhere one seed key serves every channel. Default false.
   */
  cluster?: boolean;
}

/** Builds key names under one prefix. */
export class KeySpace {
  /** Pub/sub channel of control messages. */
  readonly control: string;
  private readonly cluster: boolean;
  private readonly seedKey: string;

  constructor(
    readonly prefix: string,
    options: KeySpaceOptions = {},
  ) {
    if (prefix.length === 0 || /[{}]/.test(prefix)) {
      throw new EngineArgumentError(
        `engine.redis.prefix must be non-empty and contain no '{' or '}' (it would become the Redis Cluster hash tag of every key), got ${JSON.stringify(prefix)}`,
      );
    }
    this.control = `${prefix}:control`;
    this.cluster = options.cluster === true;
    this.seedKey = `${prefix}:seed`;
    // At start, not on the first read: the table takes a few milliseconds to build.
    if (this.cluster) slotTags();
  }

  /**
   * The key holding the seed that the epoch of the channel whose topic is `topic` derives from
   * while its stream has no record (`stream_epoch` in `lua-helpers.ts`). In Redis Cluster it is in
   * the topic's slot, shared by every channel of that slot; elsewhere one key for all channels.
   */
  seed(topic: string): string {
    return this.cluster ? `${this.seedKey}:{${slotTag(hashSlot(topic))}}` : this.seedKey;
  }

  /**
   * The pub/sub channel of `channel`; the other keys of the channel start with it. Every key of a
   * channel is built here, so this refuses a name that is not well-formed Unicode: its UTF-8 form
   * would be another channel's (U+FFFD for the lone surrogate).
   */
  topic(channel: string): string {
    requireWellFormed('channel', channel);
    return `${this.prefix}:{${escapeChannel(channel)}}`;
  }

  channel(channel: string): ChannelKeys {
    const topic = this.topic(channel);
    return {
      topic,
      stream: streamKey(topic),
      meta: metaKey(topic),
      presence: `${topic}:p`,
      presenceExpiry: `${topic}:pz`,
    };
  }

  /** The user status keys, in the order the scripts take them, and the prefix of the nodes' user sets. */
  userStatus(): { keys: readonly string[]; nodeUsers: string } {
    const tag = `{${this.prefix}:users}`;
    return {
      keys: ['count', 'version', 'due', 'nodes', 'events', 'left', 'lock', 'cursor', 'swept'].map(
        (k) => `${tag}:${k}`,
      ),
      nodeUsers: `${tag}:nodeusers:`,
    };
  }

  /** The key holding the result of a publish with this idempotency key. */
  idempotency(channel: string, key: string): string {
    requireWellFormed('idempotencyKey', key);
    return idempotencyKey(this.topic(channel), key);
  }
}

/** The stream key of the channel whose topic is `topic` (for paths that already built the topic). */
export function streamKey(topic: string): string {
  return `${topic}:s`;
}

export function metaKey(topic: string): string {
  return `${topic}:m`;
}

export function idempotencyKey(topic: string, key: string): string {
  return `${topic}:i:${key}`;
}

const NEEDS_ESCAPE = /[\\}]/;

/** The channel as it appears inside the hash tag; injective, and never empty nor containing `}`. */
export function escapeChannel(channel: string): string {
  if (channel.length === 0) return '\\_';
  if (!NEEDS_ESCAPE.test(channel)) return channel;
  return channel.replace(/[\\}]/g, (c) => (c === '\\' ? '\\\\' : '\\)'));
}
