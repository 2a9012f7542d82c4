/**
 * The ports command handlers work with, next to the `Session` they run on: no handler sees the
 * node, the connection behind the session, or another session.
 */
import type { ChannelRules } from '../../auth/channel-rules.js';
import type { TokenVerifier } from '../../auth/token-verifier.js';
import type { ChannelOptions, Config } from '../../config/types.js';
import type { HistoryStore, PresenceStore, PublishResult } from '../../engine/types.js';
import type { Publication } from '../../protocol/types.js';
import type { SessionDirectory } from '../connection-registry.js';
import type { SubscriptionLifecycle } from '../subscriptions/lifecycle.js';

/** What commands need from the node they run on. */
export interface CommandContext {
  readonly config: Config;
  readonly rules: ChannelRules;
  readonly verifier: TokenVerifier;
  readonly history: HistoryStore;
  readonly presence: PresenceStore;
  /** The node's uid and version, told in the connect reply. */
  readonly node: { readonly uid: string; readonly version: string };
  readonly sessions: SessionDirectory;
  readonly subscriptions: SubscriptionLifecycle;
  /** Publishes to a channel, appending to its history when it keeps one. */
  publish(channel: string, pub: Publication, options: ChannelOptions): Promise<PublishResult>;
}
