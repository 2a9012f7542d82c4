/**
 * Starts benchmark servers each in its own process: Switchboard, socket.io, bare ws and the two
 * write-path floors (Node, forked) and Centrifugo (its Go binary). Every server's CPU is read from
 * /proc the same way; Node servers add their own memory and connection figures over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { centrifugoConns, spawnCentrifugo } from './centrifugo-server.js';
import { procCpu, procRss, procWrites } from './proc-stats.js';
import type { ServerStats } from './stats.js';

/** Secret every server verifies connection tokens with. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789';

/**
 * The kinds whose load clients speak the proto of the same name (scenarios pass one as the other).
 */
export type ServerKind = 'switchboard' | 'socketio' | 'ws';
/**
 * Every kind {@link startServer} starts: besides those, Centrifugo (load clients `switchboard` and
 * `switchboard-protobuf`, same server API) and the two write-path floors (load clients `ws`).
 */
export type AnyServerKind = ServerKind | 'centrifugo' | 'floor-raw' | 'floor-batched';

export interface StatsOptions {
  /**
   * Force a GC first (Node servers), so memory reflects live data; default true. With `false`, RSS is
   * read from /proc as it is, for growth without a forced collection. Centrifugo: /proc either way
   * (no GC can be forced from outside a Go process).
   */
  gc?: boolean;
}

/** A server process the benchmark started. */
export interface BenchServer {
  readonly kind: AnyServerKind;
  readonly port: number;
  /** The process's CPU (from /proc) and memory (after a GC unless `{gc: false}`). */
  stats(options?: StatsOptions): Promise<ServerStats>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 3 s. Idempotent. */
  stop(): Promise<void>;
}

/** Every child still running: killed when the benchmark process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Registers a child until it exits; the promise resolves at its exit. */
function track(child: ChildProcess): Promise<void> {
  running.add(child);
  return once(child, 'exit').then(() => {
    running.delete(child);
  });
}

/** The Node script of each forked kind, and the environment that selects what it runs. */
const scripts: Record<
  Exclude<AnyServerKind, 'centrifugo'>,
  { file: string; env?: Record<string, string> }
> = {
  switchboard: { file: 'server-process.ts' },
  socketio: { file: 'socketio-server.ts' },
  ws: { file: 'ws-server.ts' },
  'floor-raw': { file: 'floor-server.ts', env: { BENCH_FLOOR: 'raw' } },
  'floor-batched': { file: 'floor-server.ts', env: { BENCH_FLOOR: 'batched' } },
};

export interface StartServerOptions {
  /** Switchboard: extra config (file format) deep-merged over the benchmark defaults. */
  config?: Record<string, unknown>;
  /** Redis for a cluster (Switchboard and Centrifugo engine, socket.io adapter). */
  redisUrl?: string;
  /** Node name (Switchboard, Centrifugo). */
  name?: string;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    const bothObjects =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof prev === 'object' &&
      prev !== null;
    out[key] = bothObjects ? merge(prev as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/**
 * Benchmark defaults: loopback, silent, no key on the API, no rate limit, JWTs with the bench secret,
 * HTTP streaming and SSE served (they cost nothing until a client uses them).
 */
function switchboardConfig(options: StartServerOptions): Record<string, unknown> {
  const base: Record<string, unknown> = {
    http_server: { port: 0, address: '127.0.0.1' },
    node: { name: options.name ?? 'bench' },
    log: { level: 'silent' },
    client: { token: { hmac_secret_key: BENCH_SECRET }, command_rate_limit: 0 },
    http_api: { insecure: true, max_body_size: 16 * 1024 * 1024 },
    http_stream: { enabled: true },
    sse: { enabled: true },
  };
  if (options.redisUrl) base['engine'] = { redis: { address: options.redisUrl } };
  return merge(base, options.config ?? {});
}

/** What a started process offers besides /proc: memory and connections when it can report them. */
interface Launched {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
  /** Memory and connections as the server reports them; absent fields come from /proc or are 0. */
  report(gc: boolean): Promise<Partial<ServerStats>>;
}

/** Forks a Node server and waits for its `ready`; it answers `stats` requests over IPC. */
async function forkNode(
  kind: Exclude<AnyServerKind, 'centrifugo'>,
  options: StartServerOptions,
): Promise<Launched> {
  const script = scripts[kind];
  const child = fork(new URL(script.file, import.meta.url).pathname, [], {
    execArgv: [
      '--expose-gc',
      '--import',
      'tsx',
      ...(process.env['BENCH_SERVER_ARGS'] ?? '').split(' ').filter(Boolean),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_CONFIG: JSON.stringify(switchboardConfig(options)),
      BENCH_SECRET,
      REDIS_URL: options.redisUrl ?? '',
      ...script.env,
    },
  });
  const exited = track(child);
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (msg: { type?: string; port?: number }) => {
      if (msg.type === 'ready') {
        child.off('message', onMessage);
        resolve(msg.port ?? 0);
      }
    };
    child.on('message', onMessage);
    void exited.then(() => reject(new Error(`${kind} server exited at start (code ${child.exitCode})`)));
  });
  const report = (gc: boolean) =>
    new Promise<ServerStats>((resolve) => {
      const onMessage = (msg: ServerStats & { type?: string }) => {
        if (msg.type === 'stats') {
          child.off('message', onMessage);
          resolve(msg);
        }
      };
      child.on('message', onMessage);
      child.send(gc ? 'stats' : 'stats-nogc');
    });
  return { child, port, exited, report };
}

async function launchCentrifugo(options: StartServerOptions): Promise<Launched> {
  const { child, port, exited } = await spawnCentrifugo(options, BENCH_SECRET, track);
  const name = options.name ?? 'bench';
  return { child, port, exited, report: async () => ({ conns: await centrifugoConns(port, name) }) };
}

const EMPTY_MEM: NodeJS.MemoryUsage = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };

export async function startServer(
  kind: AnyServerKind,
  options: StartServerOptions = {},
): Promise<BenchServer> {
  const { child, port, exited, report } =
    kind === 'centrifugo' ? await launchCentrifugo(options) : await forkNode(kind, options);
  const pid = child.pid ?? 0;
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    kind,
    port,
    async stats({ gc = true }: StatsOptions = {}) {
      if (!alive()) throw new Error(`${kind} server is not running`);
      // The report first, then /proc: a forced GC lands before the CPU reading, as it did when the
      // server read its own `process.cpuUsage()` after collecting.
      const reported = await report(gc);
      const cpu = procCpu(pid) ?? reported.cpu ?? { user: 0, system: 0 };
      const mem = { ...EMPTY_MEM, ...reported.mem };
      // After a GC the server's own reading is the one wanted; otherwise the kernel's, as it is now.
      if (!gc || reported.mem === undefined) mem.rss = procRss(pid) ?? mem.rss;
      const writes = procWrites(pid);
      return { cpu, mem, conns: reported.conns ?? 0, ...(writes === undefined ? {} : { writes }) };
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}
