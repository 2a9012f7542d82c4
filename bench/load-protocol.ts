/** Commands the benchmark sends to its load generator process, and their results. */
import type { Proto } from './load-clients.js';
import type { DocCounts } from './load-docs.js';
import type { LatencySummary } from './stats.js';

/** Open `count` clients of users `u<first>`… against `ports` (spread round-robin). */
export interface ConnectCommand {
  type: 'connect';
  group: string;
  proto: Proto;
  ports: number[];
  count: number;
  first: number;
  /** Sign a JWT per user (personal channel `#u<i>` / room); otherwise connect without a token. */
  tokens: boolean;
  /** Channel (room) every client subscribes to, besides its personal one. */
  channel?: string;
  /** Handshakes in flight at once. */
  concurrency: number;
  /** Follow stream positions (for recovery). */
  track?: boolean;
  /** Remember the latest `{"symbol","price"}` tick delivered per symbol (storm). */
  keys?: boolean;
  /** Subscribe with `delta: "fossil"` (Switchboard). */
  delta?: boolean;
  /** Track received bytes and rebuilt documents for the `docs` command instead of counting deliveries. */
  docs?: boolean;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  seconds: number;
}

/** Publish for `durationMs`, either as fast as the delivery window allows or at a fixed rate. */
export interface PublishCommand {
  type: 'publish';
  proto: Proto;
  port: number;
  durationMs: number;
  /** Publications per second; 0 for as fast as the window allows. */
  rate: number;
  batch: number;
  inflight: number;
  payloadBytes: number;
  /** Publish to this channel, or (when absent) to random users' personal channels `#u<i>`. */
  channel?: string;
  users: number;
  /** Deliveries each publication makes. */
  fanout: number;
  /**
   * With `rate` 0: the most publications (not deliveries) undelivered at once; default two rounds
   * of requests (`2 * inflight * batch`).
   */
  window?: number;
}

export interface PublishResult {
  published: number;
  delivered: number;
  expected: number;
  seconds: number;
  latency: LatencySummary;
}

/**
 * Publish price ticks at a fixed rate: `batch` publications per request, every publication a tick
 * `{symbol, price, t}` of symbol `S<i>` (round-robin over `symbols`, tag `symbol`), to `channel`.
 */
export interface StormCommand {
  type: 'storm';
  proto: Proto;
  port: number;
  channel: string;
  /** Subscribers' group, whose latest tick per symbol is checked at the end (clients with `keys`). */
  group: string;
  durationMs: number;
  /** Publications per second. */
  rate: number;
  batch: number;
  symbols: number;
  /** API requests in flight at most. */
  inflight: number;
  /**
   * Deliveries each publication makes; holds publishing when more than two rounds of requests are
   * undelivered and waits for all of them at the end. 0 (conflation): unknown, no window, and the
   * run ends once deliveries have been quiet for `quietMs`.
   */
  fanout: number;
  quietMs: number;
}

export interface StormResult {
  published: number;
  /** From the first request to the last response. */
  publishSeconds: number;
  delivered: number;
  /** From the first request to the last delivery. */
  seconds: number;
  latency: LatencySummary;
  /** Clients of the group tracking keys, and how many hold the last published tick of every symbol. */
  tracked: number;
  latestOk: number;
}

/** After the group's node dies: reconnect every client of `group` to `port` and recover. */
export interface ArmReconnectCommand {
  type: 'arm-reconnect';
  group: string;
  port: number;
  concurrency: number;
}

/** Resolves when every client of `group` has recovered up to `offset` (or the timeout). */
export interface WaitRecoveredCommand {
  type: 'wait-recovered';
  group: string;
  offset: number;
  timeoutMs: number;
}

export interface RecoveredResult {
  recovered: number;
  total: number;
  /** `nowMs()` when the last client recovered. */
  doneAt: number;
}

/**
 * Publish `publications` versions of one JSON document of about `docBytes` to `channel`, one at a
 * time and in order, each changing one field of the previous; then wait until every tracked client
 * (connected with `docs`) has received them all, or `timeoutMs` passed.
 */
export interface DocsCommand {
  type: 'docs';
  port: number;
  channel: string;
  publications: number;
  docBytes: number;
  timeoutMs: number;
}

/** Counts summed over each group's tracked clients. */
export interface GroupDocCounts extends DocCounts {
  clients: number;
  /** Clients whose subscribe reply carried `delta: true`. */
  deltaNegotiated: number;
}

export interface DocsResult {
  published: number;
  /** Bytes of the JSON document, the first version. */
  docBytes: number;
  groups: Record<string, GroupDocCounts>;
}

/** Exact quantiles of a list of milliseconds. */
export interface Quantiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Open `count` JSON clients of users `u<first>`… against `port`, `concurrency` handshakes in flight,
 * each with a JWT, with no token (the node asks its connect proxy), or alternately (even: JWT).
 */
export interface ProxyConnectCommand {
  type: 'proxy-connect';
  group: string;
  port: number;
  count: number;
  first: number;
  auth: 'jwt' | 'proxy' | 'alternate';
  concurrency: number;
}

export interface ProxyConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  seconds: number;
  /** The load generator's own CPU seconds over the run. */
  loadCpu: number;
  /** Milliseconds from the socket's `open` to the connect reply, per way of connecting. */
  jwt: Quantiles;
  proxy: Quantiles;
}

/**
 * Send `rpc` (method `echo`, `payloadBytes` of JSON data) at `rate`/s for `durationMs` over the
 * group, or `ping` (which the node answers itself: the same round trip without the backend).
 */
export interface ProxyRpcCommand {
  type: 'proxy-rpc';
  group: string;
  command: 'rpc' | 'ping';
  rate: number;
  durationMs: number;
  payloadBytes: number;
}

export interface ProxyRpcResult {
  sent: number;
  answered: number;
  /** Error replies. */
  errors: number;
  /** From the first call sent to the last. */
  sendSeconds: number;
  loadCpu: number;
  latency: Quantiles;
}

export interface CloseCommand {
  type: 'close';
  group?: string;
}

export type LoadCommand =
  | ConnectCommand
  | PublishCommand
  | StormCommand
  | ArmReconnectCommand
  | WaitRecoveredCommand
  | DocsCommand
  | ProxyConnectCommand
  | ProxyRpcCommand
  | CloseCommand;

export interface LoadResults {
  connect: ConnectResult;
  publish: PublishResult;
  storm: StormResult;
  'arm-reconnect': Record<string, never>;
  'wait-recovered': RecoveredResult;
  docs: DocsResult;
  'proxy-connect': ProxyConnectResult;
  'proxy-rpc': ProxyRpcResult;
  close: Record<string, never>;
}
