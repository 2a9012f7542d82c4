/**
 * The `ingest` scenario's load process (bench/ingest-load.ts): its commands and results, and the
 * parent's side (fork, send a command, await its answer). One process holds the subscribers and the
 * three producers (Kafka, Redis Streams, the HTTP API), so every send-time stamp and every receive
 * time come from one clock.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

/** Where a publication enters the node. */
export type IngestPath = 'kafka' | 'redis' | 'http';

/** Brokers and node the producers talk to. */
export interface IngestSetup {
  type: 'setup';
  /** The node's HTTP port (`POST /api/publish`, `/api/batch`). */
  port: number;
  /** `redis://…` of the stream's Redis, when Redis Streams are measured. */
  redisUrl?: string;
  stream?: string;
  /** `host:port` of the Kafka broker, when Kafka is measured. */
  kafkaBroker?: string;
  topic?: string;
}

/** Opens `count` JSON WebSocket subscribers of `channel` (a JWT each, users `u<first>`…). */
export interface IngestConnect {
  type: 'connect';
  port: number;
  channel: string;
  count: number;
  first: number;
}

/**
 * Produces `count` publications to `channel` as fast as the producer goes: `batch` per request
 * (a kafkajs `send`, a pipeline of XADDs, an `/api/batch` call), `inflight` requests at once, and
 * at most `window` publications produced but not yet delivered to every subscriber.
 */
export interface IngestFlood {
  type: 'flood';
  path: IngestPath;
  channel: string;
  /** Subscribers of `channel` (deliveries per publication). */
  fanout: number;
  count: number;
  batch: number;
  inflight: number;
  window: number;
  payloadBytes: number;
  timeoutMs: number;
}

/**
 * Produces at `rate` per second for `durationMs`, open loop: whatever is due at a wake-up (about
 * every millisecond) goes out at once, each publication stamped when sent; the HTTP path sends
 * one `POST /api/publish` per publication, the queues one request per wake-up.
 */
export interface IngestSteady {
  type: 'steady';
  path: IngestPath;
  channel: string;
  fanout: number;
  rate: number;
  durationMs: number;
  payloadBytes: number;
  timeoutMs: number;
  /**
   * Latency is accumulated under this key over every `steady` run naming it (the result carries
   * the whole of it), so one path's slices interleaved with the others' add up; `reset` starts anew.
   */
  key: string;
  reset: boolean;
}

export interface IngestClose {
  type: 'close';
}

export type IngestCommand = IngestSetup | IngestConnect | IngestFlood | IngestSteady | IngestClose;

export interface IngestConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
}

/** Send-to-receive milliseconds over every delivery. */
export interface IngestLatency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface IngestRunResult {
  published: number;
  delivered: number;
  expected: number;
  /** Wall-clock ms (nowMs) of the first and last delivery, and of the first and last produce. */
  firstDeliveryAt: number;
  lastDeliveryAt: number;
  produceStartAt: number;
  produceEndAt: number;
  /** Send to receive, per delivery. */
  latency: IngestLatency;
  /** Each producer request's call to its answer (the broker's ack, the API's response). */
  ack: IngestLatency;
  /** CPU seconds of the load process over the command. */
  loadCpu: number;
}

export interface IngestResults {
  setup: Record<string, never>;
  connect: IngestConnectResult;
  flood: IngestRunResult;
  steady: IngestRunResult;
  close: Record<string, never>;
}

export interface IngestLoad {
  run<C extends IngestCommand>(command: C): Promise<IngestResults[C['type']]>;
  stop(): Promise<void>;
}

export async function startIngestLoad(): Promise<IngestLoad> {
  const child: ChildProcess = fork(new URL('ingest-load.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', kill);
  const exited = once(child, 'exit');
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let started!: () => void;
  const ready = new Promise<void>((r) => {
    started = r;
  });
  child.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
    if (msg.id === 0) {
      started();
      return;
    }
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(`ingest load: ${msg.error}`));
    else p?.resolve(msg.result);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('ingest load process exited'));
  });
  await Promise.race([
    ready,
    exited.then(() => Promise.reject(new Error('ingest load process exited at start'))),
  ]);
  return {
    run<C extends IngestCommand>(command: C) {
      const id = nextId++;
      return new Promise<IngestResults[C['type']]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, command });
      });
    },
    async stop() {
      process.off('exit', kill);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
