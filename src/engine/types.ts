/**
 * The engine's extension points. A node talks to other nodes and to shared state only through
 * these interfaces; `memory/` implements them in-process, `redis/` across a cluster. Every
 * implementation passes the same conformance suites in `test/conformance/`.
 */
import type { ClientInfo, Publication, StreamPosition } from '../protocol/types.js';
import type { UserStatusStore } from './user-status.js';

/** How a channel keeps its history stream. */
export interface HistoryOptions {
  /** Publications kept; older ones are trimmed. Must be > 0. */
  size: number;
  /** Publications are dropped once the stream has had no publish for this long (ms). Must be > 0. */
  ttlMs: number;
  /**
   * How long the stream's offset and epoch survive after the last publish (ms); reads do not extend
   * it. Must be > 0 (Infinity: never expire, for embedders only: every channel ever published stays).
   */
  metaTtlMs: number;
}

export interface PublishOptions {
  /** Append to the channel's history stream, atomically with the publish. */
  history?: HistoryOptions;
  /** A second publish with the same key in the same channel within `idempotencyTtlMs` returns the first result and delivers nothing. */
  idempotencyKey?: string;
  idempotencyTtlMs?: number;
  /**
   * With history, a publication with a `version` (`Publication.version` > 0) that is not above the last version the
   * stream accepted is stale when `versionEpoch` is empty or absent or equal to the stored one, as in
   * Centrifugo: it is dropped (not stored, not delivered, its idempotency key not recorded, no ttl
   * extended) and the result is the stream's current position with `suppressed`. An accepted one
   * stores its version and this epoch in the stream's meta, so they last as long as the offset and
   * epoch do; a publication without a version leaves them as they are (as Centrifugo's Redis engine
   * does). Another non-empty epoch than the stored one makes any version accepted: it names a new
   * series, for publishers whose counter may start over. Without history versions are not checked.
   */
  versionEpoch?: string;
}

export interface PublishResult {
  /** Stream position of this publication, when the channel has history; of the stream's top when a stale version was dropped. */
  position?: StreamPosition;
  /** True when nothing was delivered: the idempotency key was seen before, or the version was stale. */
  suppressed: boolean;
}

/** What a broker delivers to its node: events of the channels the node subscribed, and control messages. */
export type BrokerEvent =
  | { type: 'publication'; channel: string; pub: Publication; epoch?: string }
  | { type: 'join'; channel: string; info: ClientInfo }
  | { type: 'leave'; channel: string; info: ClientInfo }
  | { type: 'control'; data: string }
  /**
   * Delivery was interrupted (for example the pub/sub connection to Redis dropped) and has resumed:
   * every channel is subscribed again, but events published meanwhile may be lost. The node then
   * checks stream positions of its subscriptions.
   */
  | { type: 'resubscribed' };

export type BrokerEventHandler = (event: BrokerEvent) => void;

/** Moves publications between nodes. Interest based: a node gets only the channels it subscribed. */
export interface Broker {
  /** Sets the handler for every event this node receives. Called once, before any subscribe. */
  start(handler: BrokerEventHandler): Promise<void>;
  /** Starts delivery of these channels to this node. Subscribing twice is a no-op. */
  subscribe(channels: readonly string[]): Promise<void>;
  /** Stops delivery of these channels to this node. */
  unsubscribe(channels: readonly string[]): Promise<void>;
  /**
   * Publishes to every node subscribed to the channel. With `history`, the publication is first
   * appended to the stream (getting the next offset) in the same atomic step, so nodes see offsets
   * in order. `pub.offset` is ignored: the engine assigns it. `pub.version` (a safe integer >= 0)
   * is delivered and stored with the publication and checked with history (see `versionEpoch`).
   */
  publish(channel: string, pub: Publication, options?: PublishOptions): Promise<PublishResult>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /** Sends an opaque control message to every node, this one included. */
  publishControl(data: string): Promise<void>;
  close(): Promise<void>;
}

export interface HistoryQuery {
  /** At most this many publications; 0 returns only the stream position; -1 returns all kept. */
  limit: number;
  /** Only publications after this offset (before it, with `reverse`). The epoch is not checked here. */
  since?: { offset: number };
  /** Newest first. */
  reverse?: boolean;
}

export interface HistoryPage {
  publications: Publication[];
  /** The stream's current top: offset of the last publication and the epoch. */
  position: StreamPosition;
}

/**
 * Reads channel history streams written by `Broker.publish`. Only a publish creates a stream's
 * record; reads store nothing, so readers cannot make the engine hold channels.
 */
export interface HistoryStore {
  /**
   * Reads a channel's stream and stores nothing. A channel without a record (never published, or
   * its meta expired) reads as offset 0 and the epoch that its first publish will store, the same
   * on every read and node (see `stream-epoch.ts`), so a subscriber learns a position before the
   * first publication. `metaTtlMs` (> 0) is the channel's meta ttl, which that epoch depends on.
   */
  history(channel: string, query: HistoryQuery, metaTtlMs: number): Promise<HistoryPage>;
  /** Drops the stream's publications; offset and epoch stay. Creates nothing. */
  remove(channel: string): Promise<void>;
  close(): Promise<void>;
}

export interface PresenceStats {
  numClients: number;
  numUsers: number;
}

/** Who is in a channel. Entries expire unless refreshed, so a dead node's clients disappear. */
export interface PresenceStore {
  /** Adds or refreshes a client's entry; it expires `ttlMs` after the last add. */
  add(channel: string, info: ClientInfo, ttlMs: number): Promise<void>;
  remove(channel: string, clientId: string): Promise<void>;
  /** Live entries by client id. */
  presence(channel: string): Promise<Record<string, ClientInfo>>;
  stats(channel: string): Promise<PresenceStats>;
  close(): Promise<void>;
}

/**
 * One node's view of the engine. Every method refuses a channel name, idempotency key, client id or
 * user id that is not well-formed Unicode with `EngineArgumentError` (see `protocol/unicode.ts`).
 */
export interface Engine {
  readonly broker: Broker;
  readonly history: HistoryStore;
  readonly presence: PresenceStore;
  /** Which users are connected anywhere, and their online/offline events (`user-status.ts`). */
  readonly userStatus: UserStatusStore;
  /**
   * Whether the engine's connections are up right now (a cheap, synchronous look at their state):
   * false while Redis is unreachable and being reconnected. The memory engine is always reachable.
   */
  reachable(): boolean;
  close(): Promise<void>;
}
