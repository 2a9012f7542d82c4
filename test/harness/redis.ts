/**
 * Starts real `redis-server` processes for tests: a standalone server, a three-master Redis
 * Cluster, or a master + replica watched by three sentinels. Every server listens on a free port on
 * 127.0.0.1, keeps no data on disk (`--save "" --appendonly no`) and lives in its own temp dir.
 * Tests call `stop()` in `after`; a process exit handler SIGKILLs whatever is left, so a crashed or
 * failed test run leaves no server behind. Never touches the shared Redis on port 6379.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { redisCommand } from './redis-resp.js';
import { sleep } from './wait.js';

const _execFileAsync = promisify(execFile);

/** How long a server may take to answer PING after spawn, and a topology to form. */
export const REDIS_START_TIMEOUT_MS = 10_000;
/** Attempts with a new port when a server could not bind (another process took the port meanwhile). */
const PORT_ATTEMPTS = 5;

/** Every process the harness started and has not yet seen exit. */
const running = new Set<ChildProcess>();
/** Temp dirs of servers not stopped yet. */
const dirs = new Set<string>();
// A test process that crashes or never reaches `after` still leaves no server and no dir behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A redis-server (or sentinel) process on a fixed port. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** SIGKILLs the process and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILLs the process, as a crash would; `restart()` brings it back. */
  kill(): Promise<void>;
  /** Kills the process if running and starts it again on the same port with empty data. */
  restart(): Promise<void>;
  /**
   * Kills the process if running and starts it again on the same port with its dir kept, so a
   * server started with `--appendonly yes` comes back with its data.
   */
  restartKeepingData(): Promise<void>;
  /** SIGSTOP: the port still accepts connections but nothing is answered. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
}

/** Arguments (and optionally a config file) for one server process. */
export interface ServerSpec {
  /** Command line for `redis-server`, given the port, the server's temp dir and its extra ports. */
  args(port: number, dir: string, extraPorts: readonly number[]): string[];
  /** Extra ports the server needs besides its main one (cluster bus). */
  extraPorts?: number;
}

export class ServerProcess implements RedisServer {
  readonly url: string;
  readonly address: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly port: number,
    readonly extraPorts: readonly number[],
    private readonly dir: string,
    private readonly spec: ServerSpec,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
    this.address = `127.0.0.1:${port}`;
    dirs.add(dir);
  }

  /** Spawns the process and resolves once it answers PING; rejects if it exits first. */
  async spawn(): Promise<void> {
    const child = spawn('redis-server', this.spec.args(this.port, this.dir, this.extraPorts), {
      stdio: 'ignore',
    });
    this.child = child;
    running.add(child);
    let exitedEarly = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        exitedEarly = true;
        running.delete(child);
        resolve();
      });
    });
    child.once('error', () => {
      exitedEarly = true;
    });
    const deadline = Date.now() + REDIS_START_TIMEOUT_MS;
    for (;;) {
      if (exitedEarly) throw new Error(`redis-server on port ${this.port} exited at start: ${this.log()}`);
      try {
        if ((await redisCommand(this.port, ['PING'], 500)) === 'PONG') return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`redis-server on port ${this.port} did not answer PING: ${this.log()}`);
      }
      await sleep(5);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    // Empty data: nothing is saved, and a fresh dir drops any file the old process left.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    await this.spawn();
  }

  async restartKeepingData(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  private log(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8').slice(-2000);
    } catch {
      return '(no log)';
    }
  }
}

/** Starts one server process on a free port, retrying with a new port when binding fails. */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const extra: number[] = [];
    for (let i = 0; i < (spec.extraPorts ?? 0); i++) extra.push(await freePort());
    const dir = mkdtempSync(join(tmpdir(), `switchboard-redis-${port}-`));
    const server = new ServerProcess(port, extra, dir, spec);
    try {
      await server.spawn();
      return server;
    } catch (error) {
      lastError = error;
      await server.stop();
    }
  }
  throw lastError;
}

/** Arguments every data server gets: loopback only, no persistence, logs in its dir. */
export function baseArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
  ];
}

/** Starts a standalone redis-server. `extraArgs` are appended (for example `--replicaof`). */
export function startRedis(extraArgs: readonly string[] = []): Promise<RedisServer> {
  return startServer({ args: (port, dir) => [...baseArgs(port, dir), ...extraArgs] });
}

export {
  type RedisClusterHandle,
  type RedisSentinelHandle,
  startRedisCluster,
  startRedisSentinel,
} from './redis-topologies.js';
