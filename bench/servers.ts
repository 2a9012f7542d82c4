/** Starts benchmark servers (Switchboard, socket.io, bare ws) each in its own process. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { ServerStats } from './stats.js';

/** Secret every server verifies connection tokens with. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef0123456789';

export type ServerKind = 'switchboard' | 'socketio' | 'ws';

/** A server process the benchmark started. */
export interface BenchServer {
  readonly kind: ServerKind;
  readonly port: number;
  /** The server's own CPU and memory accounting (after a GC). */
  stats(): Promise<ServerStats>;
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

const scripts: Record<ServerKind, string> = {
  switchboard: 'server-process.ts',
  socketio: 'socketio-server.ts',
  ws: 'ws-server.ts',
};

export interface StartServerOptions {
  /** Switchboard: extra config (file format) deep-merged over the benchmark defaults. */
  config?: Record<string, unknown>;
  /** Redis for a cluster (Switchboard engine, socket.io adapter). */
  redisUrl?: string;
  /** Node name (Switchboard). */
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

export async function startServer(kind: ServerKind, options: StartServerOptions = {}): Promise<BenchServer> {
  const child = fork(new URL(scripts[kind], import.meta.url).pathname, [], {
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
    },
  });
  running.add(child);
  const exited = once(child, 'exit').then(() => {
    running.delete(child);
  });
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
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    kind,
    port,
    stats() {
      return new Promise<ServerStats>((resolve, reject) => {
        if (!alive()) {
          reject(new Error(`${kind} server is not running`));
          return;
        }
        const onMessage = (msg: ServerStats & { type?: string }) => {
          if (msg.type === 'stats') {
            child.off('message', onMessage);
            resolve(msg);
          }
        };
        child.on('message', onMessage);
        child.send('stats');
      });
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
