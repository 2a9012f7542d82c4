/** Commands the benchmark sends to its load generator process, and their results. */
import type { Proto } from './load-clients.js';
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
}

export interface PublishResult {
  published: number;
  delivered: number;
  expected: number;
  seconds: number;
  latency: LatencySummary;
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

export interface CloseCommand {
  type: 'close';
  group?: string;
}

export type LoadCommand =
  | ConnectCommand
  | PublishCommand
  | ArmReconnectCommand
  | WaitRecoveredCommand
  | CloseCommand;

export interface LoadResults {
  connect: ConnectResult;
  publish: PublishResult;
  'arm-reconnect': Record<string, never>;
  'wait-recovered': RecoveredResult;
  close: Record<string, never>;
}
