/**
 * A gateway node: composes the connection registry, the channel hub, the subscription lifecycle,
 * the cluster and the engine, routes the broker's events, and starts and stops them. The work is
 * done by those parts; the node hands each one the narrow ports it needs.
 */

import { randomUUID } from 'node:crypto';
import { ChannelRules } from '../auth/channel-rules.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { Cluster } from '../cluster/cluster.js';
import type { EmulationOp, MessageOp, NodeInfo, SurveyOp, UserOp } from '../cluster/messages.js';
import type { Config } from '../config/types.js';
import type { Engine } from '../engine/types.js';
import { type Logger, silentLogger } from '../log.js';
import { DisconnectCode } from '../protocol/codes.js';
import { VERSION } from '../version.js';
import { routeBrokerEvents } from './broker-events.js';
import { type ChannelPublish, channelPublisher } from './channel-publish.js';
import type { CommandContext } from './commands/context.js';
import type { ConnectionHost } from './connection-host.js';
import { ConnectionRegistry } from './connection-registry.js';
import { FlushScheduler } from './flush-scheduler.js';
import { forwardedNames } from './forwarded-headers.js';
import { Hub } from './hub.js';
import type { MetricsPort } from './metrics-port.js';
import { NodeCounters } from './node-counters.js';
import { type ClientAddressOf, socketAddress } from './opened-log.js';
import { PositionChecks } from './position-check.js';
import type { ProxyPort } from './proxy-port.js';
import { EmulationSessions } from './streams/emulation-sessions.js';
import { SubscriptionLifecycle } from './subscriptions/lifecycle.js';
import { answerSurvey } from './survey-answers.js';
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
  /** The application's backend through its proxies, when any is configured. */
  proxies?: ProxyPort;
}

export class GatewayNode implements ConnectionHost {
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
  readonly flusher: FlushScheduler;
  readonly counters = new NodeCounters();
  readonly cluster: Cluster;
  /** Where events are counted for metrics; undefined when the node has none. */
  readonly metrics: MetricsPort | undefined;
  /** Every session of this node, and the authenticated ones by client id and user. */
  readonly connections = new ConnectionRegistry();
  /** Emulated sessions (HTTP streaming, SSE) by session id. */
  readonly emulation = new EmulationSessions();
  /** Subscriptions going live and ending: hub, presence, join and leave. */
  readonly subscriptions: SubscriptionLifecycle;
  /** The ports client commands run with. */
  readonly commands: CommandContext;
  /** Publishes through the engine, appending to history when the channel keeps it. */
  readonly publish: ChannelPublish;
  readonly forwardedHeaderNames: ReadonlySet<string> | undefined;
  /** Reasons beyond the engine for `/ready` to answer 503 (consumers add theirs). */
  readonly readinessChecks: Array<() => string | undefined> = [];
  /** The client's address of a request, for logs; the HTTP layer sets it (trusted proxies). */
  clientAddress: ClientAddressOf = socketAddress;
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly positions: PositionChecks;

  constructor(options: GatewayNodeOptions) {
    this.config = options.config;
    this.flusher = new FlushScheduler(this.config.client.write_delay);
    this.log = options.logger ?? silentLogger();
    this.metrics = options.metrics;
    this.engine = options.engine;
    this.hub = new Hub(this.engine.broker, this.counters);
    this.publish = channelPublisher(this.engine.broker, this.config);
    this.cluster = new Cluster(this, this.engine.broker);
    this.positions = new PositionChecks({ hub: this.hub, history: this.engine.history, log: this.log });
    this.rules = new ChannelRules(this.config);
    const client = this.config.client;
    this.verifier = new TokenVerifier(
      client.token,
      client.subscription_token.enabled ? client.subscription_token : undefined,
      { log: this.log },
    );
    this.subscriptions = new SubscriptionLifecycle({
      config: this.config,
      rules: this.rules,
      hub: this.hub,
      broker: this.engine.broker,
      history: this.engine.history,
      presence: this.engine.presence,
      log: this.log,
      onRecovery: this.metrics === undefined ? undefined : (recovered) => this.metrics?.recovery(recovered),
    });
    this.commands = {
      config: this.config,
      rules: this.rules,
      verifier: this.verifier,
      history: this.engine.history,
      presence: this.engine.presence,
      node: this,
      sessions: this.connections,
      subscriptions: this.subscriptions,
      publish: this.publish,
      proxies: options.proxies,
      emulatedHeaderNames: forwardedNames(this.config, 'emulated_headers'),
      log: this.log,
    };
    this.forwardedHeaderNames = forwardedNames(this.config, 'http_headers');
  }

  get name(): string {
    return this.config.node.name;
  }

  async start(): Promise<void> {
    const events = routeBrokerEvents({
      channel: this.hub.handleEvent,
      control: (data) => this.cluster.receive(data),
      resubscribed: () => {
        this.log.info('engine restored: pub/sub subscriptions are back, checking stream positions');
        void this.positions.checkAll();
      },
    });
    await this.engine.broker.start(events);
    this.cluster.start();
    const interval = this.config.client.presence_update_interval;
    this.presenceTimer = setInterval(
      () => this.subscriptions.refreshPresence(this.connections.authenticated()),
      interval,
    );
    this.presenceTimer.unref();
    this.positions.every(this.config.client.channel_position_check_delay);
  }

  /** Sends a user operation or message to every node, this one included. */
  control(op: UserOp | MessageOp): Promise<void> {
    return this.cluster.send(op);
  }

  /** Applies a user operation to this node's matching sessions (ClusterHost). */
  applyUserOp(op: UserOp): void {
    applyUserOp(this, op);
  }

  /** Hands forwarded emulation commands to this node's session (ClusterHost). */
  deliverEmulation(op: EmulationOp): void {
    this.emulation.deliver(op.session, Buffer.from(op.data, 'base64'));
  }

  /** Pushes a message to this node's sessions of its user (ClusterHost). */
  deliverMessage(op: MessageOp): void {
    deliverMessage(this.connections, op);
  }

  /** Fresh figures about this node, as announced to the cluster. */
  info(): NodeInfo {
    const mem = process.memoryUsage();
    return {
      uid: this.uid,
      name: this.name,
      version: this.version,
      num_clients: this.connections.numClients,
      num_users: this.connections.numUsers,
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

  /**
   * Closes every connection with a code that tells clients to reconnect, then stops timers; resolves
   * once the other nodes have been told this one leaves (before the engine may close).
   */
  stop(code: DisconnectCode = DisconnectCode.Shutdown): Promise<void> {
    const left = this.cluster.stop();
    this.hub.conflator.close();
    for (const session of this.connections.openSessions()) session.close(code);
    if (this.presenceTimer !== undefined) clearInterval(this.presenceTimer);
    this.positions.stop();
    this.wheel.close();
    return left;
  }
}
