/**
 * A subscription's life after it is set up: going live (presence entry, join), ending (out of the
 * hub, presence removed, leave), the channel limit, and the presence refresh that keeps a live
 * subscription's entry from expiring.
 */
import type { ChannelRules } from '../../auth/channel-rules.js';
import type { Config } from '../../config/types.js';
import type { Broker, HistoryStore, PresenceStore } from '../../engine/types.js';
import type { Logger } from '../../log.js';
import type { ClientSubscription } from '../client-subscription.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';
import type { SubscribeContext } from './subscribe.js';

/** What the lifecycle works with. */
export interface SubscriptionLifecycleOptions {
  config: Config;
  rules: ChannelRules;
  hub: Hub;
  broker: Broker;
  history: HistoryStore;
  presence: PresenceStore;
  log: Logger;
  /** Told whether each recovery attempt recovered (the metrics). */
  onRecovery?: (recovered: boolean) => void;
}

export class SubscriptionLifecycle implements SubscribeContext {
  readonly config: Config;
  readonly rules: ChannelRules;
  readonly hub: Hub;
  readonly history: HistoryStore;
  private readonly broker: Broker;
  private readonly presence: PresenceStore;
  private readonly log: Logger;
  private readonly recoveryHook: ((recovered: boolean) => void) | undefined;

  constructor(options: SubscriptionLifecycleOptions) {
    this.config = options.config;
    this.rules = options.rules;
    this.hub = options.hub;
    this.broker = options.broker;
    this.history = options.history;
    this.presence = options.presence;
    this.log = options.log;
    this.recoveryHook = options.onRecovery;
  }

  /** Whether one more subscription fits the session's channel limit (0: no limit). */
  hasRoom(session: Session): boolean {
    const limit = this.config.client.channel_limit;
    return limit === 0 || session.subs.size < limit;
  }

  onRecovery(recovered: boolean): void {
    this.recoveryHook?.(recovered);
  }

  /** A subscription went live: presence and join. */
  activated(sub: ClientSubscription): void {
    const { options, channel } = sub;
    if (options.presence) {
      this.background(this.presence.add(channel, sub.info, this.presenceTtl()), 'presence add');
    }
    if (options.join_leave) this.background(this.broker.publishJoin(channel, sub.info), 'join');
  }

  /** Ends one subscription: hub, presence, leave. */
  remove(session: Session, sub: ClientSubscription): void {
    if (session.subs.get(sub.channel) === sub) session.subs.delete(sub.channel);
    this.hub.remove(sub);
    if (sub.buffer !== null) return; // never went live: no presence, no join to undo
    const { options, channel } = sub;
    if (options.presence) this.background(this.presence.remove(channel, session.id), 'presence remove');
    if (options.join_leave) this.background(this.broker.publishLeave(channel, sub.info), 'leave');
  }

  /** Ends every subscription of a session that closed. */
  removeAll(session: Session): void {
    for (const sub of [...session.subs.values()]) this.remove(session, sub);
  }

  /** Presence entries live for three refresh intervals, so a dead node's clients vanish by then. */
  presenceTtl(): number {
    return this.config.client.presence_update_interval * 3;
  }

  /** Renews the presence entries of the live subscriptions of these sessions. */
  refreshPresence(sessions: Iterable<Session>): void {
    const ttl = this.presenceTtl();
    for (const session of sessions) {
      for (const sub of session.subs.values()) {
        if (sub.options.presence && sub.buffer === null) {
          this.background(this.presence.add(sub.channel, sub.info, ttl), 'presence refresh');
        }
      }
    }
  }

  private background(promise: Promise<unknown>, what: string): void {
    promise.catch((error: unknown) => this.log.warn({ err: error }, `${what} failed`));
  }
}
