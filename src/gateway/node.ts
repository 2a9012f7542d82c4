/**
 * A gateway node: the connections it holds, its channel hub, its engine, and the operations the
 * server API and control messages perform on connections.
 */
import { randomUUID } from 'node:crypto';
import { ChannelRules } from '../auth/channel-rules.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import type { ChannelOptions, Config } from '../config/types.js';
import type { Engine, PublishResult } from '../engine/types.js';
import { type Logger, silentLogger } from '../log.js';
import { DisconnectCode, UnsubscribeCode, unsubscribeReason } from '../protocol/codes.js';
import { encodeSubscribePush, encodeUnsubscribePush } from '../protocol/encode.js';
import type { Publication } from '../protocol/types.js';
import { VERSION } from '../version.js';
import type { ClientSubscription } from './client-subscription.js';
import type { Connection } from './connection.js';
import { type ControlMessage, parseControl } from './control.js';
import { FlushScheduler } from './flush-scheduler.js';
import { Hub } from './hub.js';
import { activateSubscription, historyEnabled, prepareSubscription } from './subscription-setup.js';
import { TimerWheel } from './timer-wheel.js';

export interface GatewayNodeOptions {
  config: Config;
  engine: Engine;
  logger?: Logger;
}

export interface PublishExtras {
  idempotencyKey?: string;
}

export class GatewayNode {
  readonly uid = randomUUID();
  readonly version = VERSION;
  readonly startedAt = Date.now();
  readonly config: Config;
  readonly engine: Engine;
  readonly log: Logger;
  readonly hub: Hub;
  readonly rules: ChannelRules;
  readonly verifier: TokenVerifier;
  readonly wheel = new TimerWheel();
  readonly flusher = new FlushScheduler();
  private readonly connections = new Set<Connection>();
  private readonly clients = new Map<string, Connection>();
  private readonly users = new Map<string, Set<Connection>>();
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(options: GatewayNodeOptions) {
    this.config = options.config;
    this.engine = options.engine;
    this.log = options.logger ?? silentLogger();
    this.hub = new Hub(this.engine.broker);
    this.rules = new ChannelRules(this.config);
    const client = this.config.client;
    this.verifier = new TokenVerifier(
      client.token,
      client.subscription_token.enabled ? client.subscription_token : undefined,
    );
  }

  get name(): string {
    return this.config.node.name;
  }

  async start(): Promise<void> {
    this.hub.onControl = (data) => this.applyControl(data);
    await this.engine.broker.start(this.hub.handleEvent);
    const interval = this.config.client.presence_update_interval;
    this.presenceTimer = setInterval(() => this.refreshPresence(), interval);
    this.presenceTimer.unref();
  }

  /** Every connection, open or still handshaking. */
  get numConnections(): number {
    return this.connections.size;
  }

  /** Authenticated connections. */
  get numClients(): number {
    return this.clients.size;
  }

  /** Whether one more subscription fits the connection's channel limit (0: no limit). */
  hasChannelRoom(conn: Connection): boolean {
    const limit = this.config.client.channel_limit;
    return limit === 0 || conn.subs.size < limit;
  }

  get numUsers(): number {
    return this.users.size;
  }

  track(conn: Connection): void {
    this.connections.add(conn);
  }

  /** A connection authenticated: index it by client id and user. */
  register(conn: Connection): void {
    this.clients.set(conn.id, conn);
    let set = this.users.get(conn.user);
    if (set === undefined) {
      set = new Set();
      this.users.set(conn.user, set);
    }
    set.add(conn);
  }

  userConnectionCount(user: string): number {
    return this.users.get(user)?.size ?? 0;
  }

  /** Connections of a user on this node, optionally one client only. */
  userConnections(user: string, client?: string): Connection[] {
    const set = this.users.get(user);
    if (set === undefined) return [];
    const all = [...set];
    return client === undefined || client === '' ? all : all.filter((c) => c.id === client);
  }

  /** Forgets a closed connection and everything it held. */
  release(conn: Connection): void {
    this.connections.delete(conn);
    if (this.clients.get(conn.id) === conn) this.clients.delete(conn.id);
    const set = this.users.get(conn.user);
    if (set?.delete(conn) && set.size === 0) this.users.delete(conn.user);
    for (const sub of [...conn.subs.values()]) this.removeSubscription(conn, sub);
  }

  /** Ends one subscription: hub, presence, leave. */
  removeSubscription(conn: Connection, sub: ClientSubscription): void {
    if (conn.subs.get(sub.channel) === sub) conn.subs.delete(sub.channel);
    this.hub.remove(sub);
    if (sub.buffer !== null) return; // never went live: no presence, no join to undo
    const { options, channel } = sub;
    if (options.presence) this.background(this.engine.presence.remove(channel, conn.id), 'presence remove');
    if (options.join_leave) this.background(this.engine.broker.publishLeave(channel, sub.info), 'leave');
  }

  /** A subscription went live: presence and join. */
  onSubscribed(sub: ClientSubscription): void {
    const { options, channel } = sub;
    if (options.presence) {
      this.background(this.engine.presence.add(channel, sub.info, this.presenceTtl()), 'presence add');
    }
    if (options.join_leave) this.background(this.engine.broker.publishJoin(channel, sub.info), 'join');
  }

  /** Publishes through the engine, appending to history when the channel keeps it. */
  publish(
    channel: string,
    pub: Publication,
    options: ChannelOptions,
    extras?: PublishExtras,
  ): Promise<PublishResult> {
    const history = historyEnabled(options)
      ? { size: options.history_size, ttlMs: options.history_ttl, metaTtlMs: options.history_meta_ttl }
      : undefined;
    return this.engine.broker.publish(channel, pub, {
      history,
      // A ttl of 0 turns deduplication off.
      idempotencyKey: this.config.http_api.idempotency_ttl > 0 ? extras?.idempotencyKey : undefined,
      idempotencyTtlMs: this.config.http_api.idempotency_ttl,
    });
  }

  /** Sends a control message to every node, this one included. */
  control(msg: ControlMessage): Promise<void> {
    return this.engine.broker.publishControl(JSON.stringify(msg));
  }

  private applyControl(data: string): void {
    const msg = parseControl(data);
    if (msg === null) {
      this.log.warn('malformed control message dropped');
      return;
    }
    const targets = this.userConnections(msg.user, msg.client);
    for (const conn of targets) {
      switch (msg.type) {
        case 'disconnect':
          if (msg.whitelist?.includes(conn.id)) break;
          conn.close(msg.code, msg.reason);
          break;
        case 'unsubscribe': {
          const sub = conn.subs.get(msg.channel);
          if (sub === undefined) break;
          this.removeSubscription(conn, sub);
          conn.send(
            encodeUnsubscribePush(
              msg.channel,
              UnsubscribeCode.Server,
              unsubscribeReason(UnsubscribeCode.Server),
            ),
          );
          break;
        }
        case 'subscribe':
          void this.serverSubscribe(conn, msg.channel);
          break;
        case 'refresh':
          if (msg.expired === true) {
            conn.close(DisconnectCode.Expired);
          } else if (msg.expireAt !== undefined) {
            // expire_at 0 lifts the expiry.
            conn.expiresAt = msg.expireAt * 1000;
            conn.reschedule();
            const ttl = Math.max(0, Math.floor((conn.expiresAt - Date.now()) / 1000));
            conn.send(
              conn.expiresAt === 0
                ? '{"push":{"refresh":{"expires":false}}}'
                : `{"push":{"refresh":{"expires":true,"ttl":${ttl}}}}`,
            );
          }
          break;
        default: {
          const never: never = msg;
          throw new Error(`unhandled ${String(never)}`);
        }
      }
    }
  }

  private async serverSubscribe(conn: Connection, channel: string): Promise<void> {
    if (conn.state !== 'connected' || conn.subs.has(channel)) return;
    if (this.rules.validate(channel) !== null) return;
    const ns = this.rules.namespaceOf(channel);
    if (ns === null || !this.hasChannelRoom(conn)) return;
    try {
      const { sub, result } = await prepareSubscription(conn, {
        channel,
        options: ns.options,
        serverSide: true,
        recoverable: true,
      });
      if ((conn.state as string) === 'closed' || conn.subs.get(channel) !== sub) return;
      conn.send(encodeSubscribePush(channel, result));
      activateSubscription(conn, sub);
    } catch (error) {
      this.log.warn({ err: error, channel }, 'server-side subscribe failed');
    }
  }

  /** Presence entries live for three refresh intervals, so a dead node's clients vanish by then. */
  presenceTtl(): number {
    return this.config.client.presence_update_interval * 3;
  }

  private refreshPresence(): void {
    const ttl = this.presenceTtl();
    for (const conn of this.clients.values()) {
      for (const sub of conn.subs.values()) {
        if (sub.options.presence && sub.buffer === null) {
          this.background(this.engine.presence.add(sub.channel, sub.info, ttl), 'presence refresh');
        }
      }
    }
  }

  private background(promise: Promise<unknown>, what: string): void {
    promise.catch((error: unknown) => this.log.warn({ err: error }, `${what} failed`));
  }

  /** Closes every connection with a code that tells clients to reconnect, then stops timers. */
  stop(code: DisconnectCode = DisconnectCode.Shutdown): void {
    for (const conn of [...this.connections]) conn.close(code);
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.wheel.close();
  }
}
