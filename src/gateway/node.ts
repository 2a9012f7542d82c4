/**
 * A gateway node: the connections it holds, its channel hub, its engine, and the operations the
 * server API and control messages perform on connections.
 */

import { randomUUID } from 'node:crypto';
import { ChannelRules } from '../auth/channel-rules.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { Cluster } from '../cluster/cluster.js';
import type { MessageOp, NodeInfo, SurveyOp, UserOp } from '../cluster/messages.js';
import type { ChannelOptions, Config } from '../config/types.js';
import type { Engine, PublishResult } from '../engine/types.js';
import { type Logger, silentLogger } from '../log.js';
import { DisconnectCode } from '../protocol/codes.js';
import type { Publication } from '../protocol/types.js';
import { VERSION } from '../version.js';
import type { ClientSubscription } from './client-subscription.js';
import type { Connection } from './connection.js';
import { FlushScheduler } from './flush-scheduler.js';
import { Hub } from './hub.js';
import type { MetricsPort } from './metrics-port.js';
import { NodeCounters } from './node-counters.js';
import { checkPositions } from './position-check.js';
import { historyEnabled } from './subscription-setup.js';
import { answerSurvey } from './surveys.js';
import { TimerWheel } from './timer-wheel.js';
import { deliverMessage } from './user-message.js';
import { applyUserOp } from './user-ops.js';

/** What a node is built from; the composition root (`app.ts`) assembles them. */
export interface GatewayNodeOptions {
  config: Config;
  /** The engine, already wrapped as the node should see it (timed, when metrics are on). */
  engine: Engine;
  logger?: Logger;
  /** Where the node reports its events for metrics; none when `prometheus.enabled` is false. */
  metrics?: MetricsPort;
}

export interface PublishExtras {
  idempotencyKey?: string;
  /** The series `pub.version` counts in (see the engine's `PublishOptions.versionEpoch`). */
  versionEpoch?: string;
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
  readonly counters = new NodeCounters();
  readonly cluster: Cluster;
  /** Where events are counted for metrics; undefined when the node has none. */
  readonly metrics: MetricsPort | undefined;
  private readonly connections = new Set<Connection>();
  private readonly clients = new Map<string, Connection>();
  /** A user's connections: the connection itself while it is the only one (most users), saving a Set each. */
  private readonly users = new Map<string, Connection | Set<Connection>>();
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(options: GatewayNodeOptions) {
    this.config = options.config;
    this.log = options.logger ?? silentLogger();
    this.metrics = options.metrics;
    this.engine = options.engine;
    this.hub = new Hub(this.engine.broker, this.counters);
    this.cluster = new Cluster(this, this.engine.broker);
    this.rules = new ChannelRules(this.config);
    const client = this.config.client;
    this.verifier = new TokenVerifier(
      client.token,
      client.subscription_token.enabled ? client.subscription_token : undefined,
      { log: this.log },
    );
  }

  get name(): string {
    return this.config.node.name;
  }

  async start(): Promise<void> {
    this.hub.onControl = (data) => this.cluster.receive(data);
    this.hub.onResubscribed = () => {
      this.log.info('engine restored: pub/sub subscriptions are back, checking stream positions');
      void checkPositions(this);
    };
    await this.engine.broker.start(this.hub.handleEvent);
    this.cluster.start();
    const interval = this.config.client.presence_update_interval;
    this.presenceTimer = setInterval(() => this.refreshPresence(), interval);
    this.presenceTimer.unref();
  }

  /** Every connection, open or still handshaking. */
  get numConnections(): number {
    return this.connections.size;
  }

  /** Every connection, open or still handshaking, oldest first. */
  openConnections(): Connection[] {
    return [...this.connections];
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

  /** Bytes queued for clients and not yet written to their sockets, over every connection. */
  outboundQueueBytes(): number {
    let bytes = 0;
    for (const conn of this.connections) bytes += conn.outboundBytes;
    return bytes;
  }

  track(conn: Connection): void {
    this.connections.add(conn);
  }

  /** A connection authenticated: index it by client id and user. */
  register(conn: Connection): void {
    this.clients.set(conn.id, conn);
    const held = this.users.get(conn.user);
    if (held === undefined) this.users.set(conn.user, conn);
    else if (held instanceof Set) held.add(conn);
    else if (held !== conn) this.users.set(conn.user, new Set([held, conn]));
  }

  /** Connections that completed `connect`. */
  authenticatedConnections(): IterableIterator<Connection> {
    return this.clients.values();
  }

  userConnectionCount(user: string): number {
    const held = this.users.get(user);
    return held === undefined ? 0 : held instanceof Set ? held.size : 1;
  }

  /** Connections of a user on this node, optionally one client only. */
  userConnections(user: string, client?: string): Connection[] {
    const held = this.users.get(user);
    if (held === undefined) return [];
    const all = held instanceof Set ? [...held] : [held];
    return client === undefined || client === '' ? all : all.filter((c) => c.id === client);
  }

  /** Forgets a closed connection and everything it held. */
  release(conn: Connection): void {
    this.connections.delete(conn);
    this.unregister(conn);
    for (const sub of [...conn.subs.values()]) this.removeSubscription(conn, sub);
  }

  /** Undoes `register`: the connection is no longer found by client id or user. */
  unregister(conn: Connection): void {
    if (this.clients.get(conn.id) === conn) this.clients.delete(conn.id);
    const held = this.users.get(conn.user);
    if (held === conn) {
      this.users.delete(conn.user);
    } else if (held instanceof Set && held.delete(conn)) {
      if (held.size === 1) this.users.set(conn.user, held.values().next().value!);
    }
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
      versionEpoch: extras?.versionEpoch,
    });
  }

  /** Sends a user operation or message to every node, this one included. */
  control(op: UserOp | MessageOp): Promise<void> {
    return this.cluster.send(op);
  }

  /** Applies a user operation to this node's matching connections. */
  applyUserOp(op: UserOp): void {
    applyUserOp(this, op);
  }

  /** Pushes a message to this node's connections of its user. */
  deliverMessage(op: MessageOp): void {
    deliverMessage(this, op);
  }

  /** Fresh figures about this node, as announced to the cluster. */
  info(): NodeInfo {
    const mem = process.memoryUsage();
    return {
      uid: this.uid,
      name: this.name,
      version: this.version,
      num_clients: this.numClients,
      num_users: this.numUsers,
      num_channels: this.hub.numChannels,
      num_subs: this.hub.numSubscriptions,
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
      process: { rss: mem.rss, heap_used: mem.heapUsed },
      counters: { publications: this.counters.publications, deliveries: this.counters.deliveries },
    };
  }

  answerSurvey(op: SurveyOp, params: Record<string, unknown>): unknown {
    return answerSurvey(this, op, params);
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

  /**
   * Closes every connection with a code that tells clients to reconnect, then stops timers; resolves
   * once the other nodes have been told this one leaves (before the engine may close).
   */
  stop(code: DisconnectCode = DisconnectCode.Shutdown): Promise<void> {
    const left = this.cluster.stop();
    this.hub.conflator.close();
    for (const conn of [...this.connections]) conn.close(code);
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.wheel.close();
    return left;
  }
}
