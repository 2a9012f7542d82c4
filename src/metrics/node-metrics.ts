/**
 * A node's Prometheus metrics, in a registry of its own (several nodes may share a process). Figures
 * the node already keeps (connections, subscriptions, counters, queued bytes) are read when scraped;
 * events it does not keep are counted here through children looked up once, so the hot path pays a
 * Map lookup and an addition per command and nothing per delivery. The gateway reports its events
 * through the `MetricsPort` it defines; the server API through `apiCall`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsPort } from '../gateway/metrics-port.js';
import { DisconnectCode, ErrorCode } from '../protocol/codes.js';
import { DisconnectError } from '../protocol/errors.js';
import { toProtocolError } from '../protocol/to-protocol-error.js';
import { VERSION } from '../version.js';
import { LabelledCounter } from './labelled-counter.js';
import { METRIC_PREFIX as P } from './names.js';
import { processRegistry } from './process-metrics.js';

/** What the metrics read from the node when scraped. */
export interface MetricsSource {
  readonly connections: {
    /** Every session, authenticated or not. */
    readonly size: number;
    readonly numClients: number;
    readonly numUsers: number;
    /** Bytes queued for clients and not yet written to their sockets, over every session. */
    outboundBytes(): number;
  };
  readonly hub: { readonly numChannels: number; readonly numSubscriptions: number };
  readonly counters: { readonly publications: number; readonly deliveries: number };
}

/** Buckets of the engine call histogram, seconds: 0.1 ms to 2.5 s. */
const ENGINE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** Buckets of the server API request histogram, seconds: 0.25 ms to 10 s. */
const API_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The metrics of one node. Made before the node (its engine histogram times the engine the node is
 * given); {@link NodeMetrics.watch} then names the node whose figures the gauges read.
 */
export class NodeMetrics implements MetricsPort {
  readonly registry = new Registry();
  /** The node read when scraped; figures are 0 until it is set. */
  private source: MetricsSource | undefined;
  private readonly commands: LabelledCounter;
  private readonly apiCalls: Counter<'method' | 'status' | 'result'>;
  private readonly apiDuration: Histogram<'method' | 'result'>;
  private readonly disconnects: Counter<'code'>;
  private readonly disconnectChildren = new Map<number, Counter.Internal>();
  private readonly slowDisconnects: Counter;
  private readonly recoveredTrue: Counter.Internal;
  private readonly recoveredFalse: Counter.Internal;
  readonly engineDuration: Histogram<'operation'>;

  constructor() {
    const registers = [this.registry];
    const figure =
      (read: (source: MetricsSource) => number): (() => number) =>
      () =>
        this.source === undefined ? 0 : read(this.source);
    const gauge = (name: string, help: string, read: (source: MetricsSource) => number): void => {
      const value = figure(read);
      new Gauge({
        name: P + name,
        help,
        registers,
        collect() {
          this.set(value());
        },
      });
    };
    gauge('connections', 'Open client connections, authenticated or not.', (s) => s.connections.size);
    gauge('clients', 'Authenticated client connections.', (s) => s.connections.numClients);
    gauge('users', 'Distinct users with a connection on this node.', (s) => s.connections.numUsers);
    gauge('channels', 'Channels with a subscriber on this node.', (s) => s.hub.numChannels);
    gauge('subscriptions', 'Client subscriptions on this node.', (s) => s.hub.numSubscriptions);
    gauge(
      'outbound_queue_bytes',
      'Bytes queued for clients and not yet written to their sockets, summed over connections.',
      (s) => s.connections.outboundBytes(),
    );
    const total = (name: string, help: string, read: (source: MetricsSource) => number): void => {
      const value = figure(read);
      new Counter({
        name: P + name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    };
    total(
      'publications_received_total',
      'Publications the engine delivered to this node, before conflation.',
      (s) => s.counters.publications,
    );
    total(
      'deliveries_total',
      'Publication pushes queued to client connections.',
      (s) => s.counters.deliveries,
    );
    this.commands = new LabelledCounter(
      new Counter({
        name: `${P}commands_total`,
        help: 'Client commands by method and result (ok, an error code, or disconnect).',
        labelNames: ['method', 'result'],
        registers,
      }),
    );
    this.apiCalls = new Counter({
      name: `${P}api_calls_total`,
      help: 'Server API requests by method, HTTP status and result (ok or an error code).',
      labelNames: ['method', 'status', 'result'],
      registers,
    });
    this.apiDuration = new Histogram({
      name: `${P}api_request_duration_seconds`,
      help: 'Server API requests by method and result (ok or an error code), from the request to the answer; a batch is one request (method "batch").',
      labelNames: ['method', 'result'],
      buckets: API_BUCKETS,
      registers,
    });
    new Gauge({
      name: `${P}build_info`,
      help: 'Always 1; its labels name the Switchboard version and the Node.js runtime serving.',
      labelNames: ['version', 'node_version', 'platform'],
      registers,
    }).set({ version: VERSION, node_version: process.version, platform: process.platform }, 1);
    this.disconnects = new Counter({
      name: `${P}disconnects_total`,
      help: 'Connections the server closed, by disconnect code.',
      labelNames: ['code'],
      registers,
    });
    this.slowDisconnects = new Counter({
      name: `${P}slow_client_disconnects_total`,
      help: 'Connections closed because their outbound queue passed client.queue_max_size (code 3008).',
      registers,
    });
    const recovery = new Counter({
      name: `${P}recoveries_total`,
      help: 'Subscriptions that asked to recover missed publications, by outcome.',
      labelNames: ['recovered'],
      registers,
    });
    this.recoveredTrue = recovery.labels('true');
    this.recoveredFalse = recovery.labels('false');
    this.engineDuration = new Histogram({
      name: `${P}engine_duration_seconds`,
      help: 'Engine calls (publish, history, presence, pub/sub subscriptions) as seen from the node, by operation.',
      labelNames: ['operation'],
      buckets: ENGINE_BUCKETS,
      registers,
    });
  }

  /** Reads the node's figures from `source` from now on (the node, once built). */
  watch(source: MetricsSource): void {
    this.source = source;
  }

  /** A client command completed. */
  commandOk(method: string): void {
    this.commands.inc(method, 'ok');
  }

  /** A client command failed with this error code (as a string), or `disconnect`. */
  commandResult(method: string, result: string): void {
    this.commands.inc(method, result);
  }

  /** A client command threw: counted by the code its reply or disconnect carries. */
  commandFailed(method: string, error: unknown): void {
    this.commands.inc(method, commandResultOf(error));
  }

  /**
   * A server API request was answered with this HTTP status and result (ok or an error code),
   * `seconds` after it arrived.
   */
  apiCall(method: string, status: number, result: string, seconds?: number): void {
    this.apiCalls.inc({ method, status: String(status), result });
    if (seconds !== undefined) this.apiDuration.observe({ method, result }, seconds);
  }

  /** The server closed a connection with this code. */
  disconnect(code: DisconnectCode): void {
    let child = this.disconnectChildren.get(code);
    if (child === undefined) {
      child = this.disconnects.labels(String(code));
      this.disconnectChildren.set(code, child);
    }
    child.inc();
    if (code === DisconnectCode.Slow) this.slowDisconnects.inc();
  }

  /** A subscription asked to recover and did or did not get every missed publication. */
  recovery(recovered: boolean): void {
    (recovered ? this.recoveredTrue : this.recoveredFalse).inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition: this node's metrics, then the process's. */
  async scrape(): Promise<string> {
    const [own, proc] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return `${own}\n${proc}`;
  }
}

function commandResultOf(error: unknown): string {
  if (error instanceof DisconnectError) return 'disconnect';
  // Unexpected errors reply with code 100, as engine outages do.
  return String(toProtocolError(error)?.code ?? ErrorCode.Internal);
}
