/**
 * Centrifugo v6 as a benchmark server: the Go binary of `scripts/install-centrifugo.sh`, spawned
 * directly (no Node in between) with a generated config file that mirrors Switchboard's benchmark
 * defaults, so both hold the same subscriptions and take the same load clients and publish requests.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCentrifugo } from '../test/differential/centrifugo.js';
import { freePort } from '../test/harness/ports.js';
import { sleep } from './stats.js';

export interface CentrifugoOptions {
  /** Redis for a cluster: engine `redis` (broker and presence) at this URL. */
  redisUrl?: string | undefined;
  /** Node name, as `/api/info` reports it. */
  name?: string | undefined;
}

/** A started Centrifugo process; `exited` resolves once it has exited and its config dir is gone. */
export interface CentrifugoProcess {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

/** How long the binary may take to answer `/health` (a Redis engine connects first). */
const START_TIMEOUT_MS = 20_000;
/** New ports to try when the process dies at start (another process took the port meanwhile). */
const ATTEMPTS = 3;

/** Config dirs of processes not yet seen exiting: removed when the benchmark exits, whatever happened. */
const dirs = new Set<string>();
process.on('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * The config file. Each setting matches what Switchboard does under bench/servers.ts's defaults
 * (where Centrifugo's own default differs, it is set): loopback HTTP, API without a key, HS256
 * tokens with the bench secret, every client subscribed server-side to its personal channel `#<user>`
 * (Switchboard's default; the `users` scenario publishes there) and allowed to subscribe to any
 * channel without a namespace, user-limited channels allowed, the same 1 MiB outbound queue per
 * connection, HTTP streaming and SSE served. Centrifugo OSS has no per-connection command rate limit
 * (Switchboard's is switched off for the benchmark).
 */
export function centrifugoConfig(port: number, options: CentrifugoOptions, secret: string): object {
  return {
    http_server: { address: '127.0.0.1', port },
    node: { name: options.name ?? 'bench' },
    log: { level: 'error' },
    health: { enabled: true },
    usage_stats: { disabled: true },
    shutdown: { timeout: '1s' },
    client: {
      token: { hmac_secret_key: secret },
      queue_max_size: 1024 * 1024,
      subscribe_to_user_personal_channel: { enabled: true },
    },
    channel: { without_namespace: { allow_subscribe_for_client: true, allow_user_limited_channels: true } },
    http_api: { insecure: true },
    http_stream: { enabled: true },
    sse: { enabled: true },
    ...(options.redisUrl ? { engine: { type: 'redis', redis: { address: options.redisUrl } } } : {}),
  };
}

/** The binary; built with the install script when there is none yet (minutes, once). */
function binary(): string {
  try {
    return findCentrifugo();
  } catch {
    const script = new URL('../scripts/install-centrifugo.sh', import.meta.url).pathname;
    execFileSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
    return findCentrifugo();
  }
}

/** GET `path` on the port; the status code, or 0 when nothing answers. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1000, () => req.destroy());
    req.end();
  });
}

/**
 * Spawns Centrifugo on a free port and waits for `/health`. `track` registers the child (so the
 * benchmark kills it on exit) and returns a promise of its exit.
 */
export async function spawnCentrifugo(
  options: CentrifugoOptions,
  secret: string,
  track: (child: ChildProcess) => Promise<void>,
): Promise<CentrifugoProcess> {
  const path = binary();
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'bench-centrifugo-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify(centrifugoConfig(port, options, secret), null, 2));
    const child = spawn(path, ['--config', config], {
      stdio: ['ignore', 'ignore', 'inherit'],
      // Only what it needs: no CENTRIFUGO_* variable of the caller may change its settings.
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    });
    dirs.add(dir);
    const cleanup = () => {
      dirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    };
    const exited = track(child);
    let dead = false;
    void exited.then(() => {
      dead = true;
    });
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (!dead && performance.now() < deadline) {
      if ((await get(port, '/health')) === 200) return { child, port, exited: exited.then(cleanup) };
      await sleep(50);
    }
    if (!dead) child.kill('SIGKILL');
    await exited;
    cleanup();
    lastError = new Error(
      dead
        ? `centrifugo exited at start (code ${child.exitCode}, signal ${child.signalCode})`
        : `centrifugo did not answer /health on port ${port} within ${START_TIMEOUT_MS} ms`,
    );
    if (!dead) break;
  }
  throw lastError ?? new Error('centrifugo did not start');
}

/**
 * Clients connected to node `name`, from the server API's `info` (0 when it cannot tell). Centrifugo
 * refreshes its node registry, its own entry included, every few seconds: connects show up to ~3 s late.
 */
export function centrifugoConns(port: number, name: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/info',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': 2 },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString()) as {
              result?: { nodes?: { name?: string; num_clients?: number }[] };
            };
            const nodes = body.result?.nodes ?? [];
            resolve(nodes.find((n) => n.name === name)?.num_clients ?? 0);
          } catch {
            resolve(0);
          }
        });
      },
    );
    req.on('error', () => resolve(0));
    req.end('{}');
  });
}
