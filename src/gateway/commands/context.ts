/**
 * The ports command handlers work with, next to the `Session` they run on: no handler sees the
 * node, the connection behind the session, or another session.
 */
import type { ChannelRules } from '../../auth/channel-rules.js';
import type { TokenVerifier } from '../../auth/token-verifier.js';
import type { Config } from '../../config/types.js';
import type { HistoryStore, PresenceStore } from '../../engine/types.js';
import type { Logger } from '../../log.js';
import type { ChannelPublish } from '../channel-publish.js';
import type { SessionDirectory } from '../connection-registry.js';
import type { ProxyPort } from '../proxy-port.js';
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
  readonly publish: ChannelPublish;
  /** The application's backend, when proxies are configured. */
  readonly proxies: ProxyPort | undefined;
  /** Emulated header names (the connect command's `headers`) some proxy forwards; undefined: none. */
  readonly emulatedHeaderNames: ReadonlySet<string> | undefined;
  /** Where proxy outcomes are logged. */
  readonly log: Logger;
}
