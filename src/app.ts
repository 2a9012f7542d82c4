/**
 * The composition root: config → engine → gateway → HTTP server. Starts a complete node from a
 * resolved config; used by the CLI and by embedders and tests.
 */
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { loadTlsCredentials } from './config/tls.js';
import type { Config } from './config/types.js';
import { consumerMetrics, NO_CONSUMER_METRICS } from './consumers/metrics.js';
import { startConsumers } from './consumers/start.js';
import { createEngine } from './engine/create.js';
import type { Engine } from './engine/types.js';
import { GatewayNode } from './gateway/node.js';
import { trustedProxiesOf } from './http/client-address.js';
import { HttpServer } from './http/server.js';
import { type Logger, silentLogger } from './log.js';
import { EngineHealth } from './metrics/engine-health.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { timedEngine } from './metrics/timed-engine.js';
import { createProxies, hasProxies, type Proxies } from './proxy/port.js';
import { ProxyMetrics } from './proxy/proxy-metrics.js';
import { startTracing } from './tracing/start.js';
import type { Tracing } from './tracing/tracing.js';
import { startUserEvents } from './user-events.js';

/** A running node. */
export interface Switchboard {
  readonly node: GatewayNode;
  readonly server: HttpServer;
  /** The engine as given or created (the node sees it timed, when metrics are on). */
  readonly engine: Engine;
  /** The node's Prometheus metrics; undefined when `prometheus.enabled` is false. */
  readonly metrics: NodeMetrics | undefined;
  readonly address: AddressInfo;
  /** Graceful stop: not ready at once, clients told to reconnect in waves (drain), then the engine closes. */
  stop(): Promise<void>;
}

/** How {@link startSwitchboard} builds the node, beyond its config. */
export interface StartOptions {
  logger?: Logger;
  /** Engine to use instead of the one the config names. */
  engine?: Engine;
  /**
   * With `opentelemetry.enabled`, where spans go instead of the OTLP/HTTP exporter (an in-process
   * exporter, each span exported as it ends).
   */
  spanExporter?: SpanExporter;
}

/**
 * A gateway node over `engine`, with its metrics when `prometheus.enabled`: every engine call the
 * node makes is then timed, and the metrics read the node's figures when scraped. With `tracing`,
 * every proxy call is a span.
 */
export function createNode(
  config: Config,
  engine: Engine,
  logger: Logger,
  tracing?: Tracing,
): { node: GatewayNode; metrics: NodeMetrics | undefined; proxies: Proxies | undefined } {
  const metrics = config.prometheus.enabled ? new NodeMetrics() : undefined;
  const proxyMetrics = metrics === undefined ? undefined : new ProxyMetrics(metrics.registry);
  const proxies = hasProxies(config) ? createProxies(config, logger, proxyMetrics, tracing) : undefined;
  if (metrics === undefined) {
    return { node: new GatewayNode({ config, engine, logger, proxies: proxies?.port }), metrics, proxies };
  }
  const node = new GatewayNode({
    config,
    engine: timedEngine(engine, metrics.engineDuration),
    logger,
    metrics,
    proxies: proxies?.port,
  });
  metrics.watch(node);
  return { node, metrics, proxies };
}

/**
 * A started node without an HTTP server of its own: engine connected, gateway started, user events
 * and consumers running. {@link startSwitchboard} puts its own server in front of it; an embedded
 * node (`src/embed/`) serves on the application's.
 */
export interface StartedNode {
  readonly node: GatewayNode;
  readonly engine: Engine;
  readonly metrics: NodeMetrics | undefined;
  /** The node's tracing; undefined when `opentelemetry.enabled` is false. */
  readonly tracing: Tracing | undefined;
  /** Stops taking work from the queues (consumers), before the node drains. */
  stopIntake(): Promise<void>;
  /** Closes what outlives the connections (proxies, user events, the engine), after the drain. */
  release(): Promise<void>;
}

/** Connects the engine and starts the gateway, user events and consumers (no HTTP server). */
export async function startNode(config: Config, options: StartOptions = {}): Promise<StartedNode> {
  const logger = options.logger ?? silentLogger();
  // Checked before anything connects: a bad entry fails the start naming it, leaving nothing open.
  trustedProxiesOf(config);
  const tracing = await startTracing(config.opentelemetry, {
    nodeName: config.node.name,
    ...(options.spanExporter === undefined ? {} : { exporter: options.spanExporter }),
  });
  const engine = options.engine ?? (await createEngine(config.engine, logger));
  const { node, metrics, proxies } = createNode(config, engine, logger, tracing);
  const health = new EngineHealth(engine, {
    engine: config.engine.type,
    log: logger,
    ...(metrics === undefined ? {} : { registry: metrics.registry }),
  });
  await node.start();
  health.start();
  const userEvents = startUserEvents(config, node, metrics, logger);
  const consumers = await startConsumers(
    config,
    node,
    node.uid,
    metrics === undefined ? NO_CONSUMER_METRICS : consumerMetrics(metrics.registry),
    logger,
    tracing,
  );
  node.readinessChecks.push(() => consumers.problems()[0]);
  return {
    node,
    engine,
    metrics,
    tracing,
    stopIntake: () => consumers.stop(),
    async release() {
      health.stop();
      await proxies?.close();
      await userEvents?.stop();
      await engine.close();
      // Last: the spans of the drain are exported too.
      await tracing?.shutdown();
    },
  };
}

/** Starts a node: TLS files checked, engine connected, gateway started, HTTP server listening. */
export async function startSwitchboard(config: Config, options: StartOptions = {}): Promise<Switchboard> {
  // Certificate files are checked before anything connects, so a bad path fails the start at once.
  const tls = await loadTlsCredentials(config.http_server.tls);
  const started = await startNode(config, options);
  const { node, engine, metrics } = started;
  const server = new HttpServer(node, tls, metrics, started.tracing);
  const address = await server.listen();
  let stopped: Promise<void> | undefined;
  return {
    node,
    server,
    engine,
    metrics,
    address,
    stop() {
      stopped ??= (async () => {
        // Consumers first: nothing new is taken while the node drains.
        await started.stopIntake();
        await server.stop();
        await started.release();
      })();
      return stopped;
    },
  };
}
