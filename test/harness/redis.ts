/**
 * Starts real `redis-server` processes for tests: a standalone server, a three-master Redis
 * Cluster, or a master + replica watched by three sentinels. Every server listens on a free port on
 * 127.0.0.1, keeps no data on disk (`--save "" --appendonly no`) and lives in its own temp dir.
 * Tests call `stop()` in `after`; a process exit handler SIGKILLs whatever is left, so a crashed or
 * failed test run leaves no server behind. Never touches the shared Redis on port 6379.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type RespValue, redisCommand } from './redis-resp.js';

const execFileAsync = promisify(execFile);

/** How long a server may take to answer PING after spawn. */
const START_TIMEOUT_MS = 10_000;
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
interface ServerSpec {
  /** Command line for `redis-server`, given the port, the server's temp dir and its extra ports. */
  args(port: number, dir: string, extraPorts: readonly number[]): string[];
  /** Extra ports the server needs besides its main one (cluster bus). */
  extraPorts?: number;
}

/** Picks a port nobody listens on, by listening on 0 and closing. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns true; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = START_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(10);
  }
}

class ServerProcess implements RedisServer {
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
    const deadline = Date.now() + START_TIMEOUT_MS;
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
async function startServer(spec: ServerSpec): Promise<ServerProcess> {
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
function baseArgs(port: number, dir: string): string[] {
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

/** A Redis Cluster of masters without replicas. */
export interface RedisClusterHandle {
  readonly nodes: readonly RedisServer[];
  /** `127.0.0.1:<port>` of every master, as `engine.redis.cluster_address` takes them. */
  readonly addresses: string[];
  stop(): Promise<void>;
}

/**
 * Starts `count` (at least 3) cluster-enabled masters, joins them with `redis-cli --cluster create`
 * and waits until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(count = 3): Promise<RedisClusterHandle> {
  const nodes: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        startServer({
          // The bus port gets its own free port: port + 10000 may be taken or above 65535.
          extraPorts: 1,
          args: (port, dir, [busPort]) => [
            ...baseArgs(port, dir),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '2000',
            '--cluster-port',
            String(busPort),
          ],
        }),
      ),
    );
    nodes.push(...started);
    const addresses = nodes.map((n) => n.address);
    await execFileAsync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 20_000 },
    );
    await Promise.all(
      nodes.map((node) =>
        waitUntil(async () => {
          const info = String(await redisCommand(node.port, ['CLUSTER', 'INFO']));
          return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${count}`);
        }, `cluster_state:ok on ${node.address}`),
      ),
    );
    return { nodes, addresses, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A master, one replica and three sentinels watching them as `mymaster`. */
export interface RedisSentinelHandle {
  readonly masterName: string;
  /** The server that was master at start (after `failover()` it is a replica). */
  readonly master: RedisServer;
  readonly replica: RedisServer;
  readonly sentinels: readonly RedisServer[];
  /** `127.0.0.1:<port>` of every sentinel, as `engine.redis.sentinel_address` takes them. */
  readonly sentinelAddresses: string[];
  /** The current master's port, as the first sentinel reports it. */
  masterPort(): Promise<number>;
  /** Runs `SENTINEL FAILOVER` and resolves with the new master's port once every sentinel reports it. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

const MASTER_NAME = 'mymaster';

/** Starts a master, a replica of it and three sentinels (quorum 2, down after 1 s). */
export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  const servers: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  try {
    // No diskless-sync delay: the replica syncs at once instead of after the default 5 s.
    const master = await startRedis(['--repl-diskless-sync-delay', '0']);
    servers.push(master);
    const replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    servers.push(replica);
    await waitUntil(
      async () =>
        String(await redisCommand(replica.port, ['INFO', 'replication'])).includes('master_link_status:up'),
      'the replica to sync',
    );
    const sentinels = await Promise.all(
      [0, 1, 2].map(() =>
        startServer({
          args: (port, dir) => {
            const file = join(dir, 'sentinel.conf');
            writeFileSync(
              file,
              [
                `port ${port}`,
                'bind 127.0.0.1',
                `dir ${dir}`,
                `logfile ${join(dir, 'redis.log')}`,
                `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
                `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
                `sentinel failover-timeout ${MASTER_NAME} 3000`,
                `sentinel parallel-syncs ${MASTER_NAME} 1`,
                '',
              ].join('\n'),
            );
            return [file, '--sentinel'];
          },
        }),
      ),
    );
    servers.push(...sentinels);
    // A sentinel can fail over only once it knows the replica (learned from the master's INFO).
    await Promise.all(
      sentinels.map((s) =>
        waitUntil(async () => {
          const replicas = await redisCommand(s.port, ['SENTINEL', 'REPLICAS', MASTER_NAME]);
          return Array.isArray(replicas) && replicas.length > 0;
        }, `sentinel ${s.address} to know the replica`),
      ),
    );
    const masterPortOf = async (sentinel: RedisServer): Promise<number> => {
      const reply = await redisCommand(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME]);
      return Array.isArray(reply) ? Number(reply[1]) : 0;
    };
    const first = sentinels[0]!;
    return {
      masterName: MASTER_NAME,
      master,
      replica,
      sentinels,
      sentinelAddresses: sentinels.map((s) => s.address),
      masterPort: () => masterPortOf(first),
      async failover() {
        const before = await masterPortOf(first);
        // NOGOODSLAVE/INPROG right after start or a previous failover: the sentinel is not ready yet.
        await waitUntil(
          async () => (await redisCommand(first.port, ['SENTINEL', 'FAILOVER', MASTER_NAME])) === 'OK',
          'SENTINEL FAILOVER to be accepted',
        );
        let after = before;
        await waitUntil(async () => {
          const ports = await Promise.all(sentinels.map(masterPortOf));
          after = ports[0]!;
          return after !== before && ports.every((p) => p === after);
        }, 'every sentinel to report the new master');
        await waitUntil(
          async () => roleOf(await redisCommand(after, ['ROLE'])) === 'master',
          'the new master to take the master role',
        );
        return after;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function roleOf(reply: RespValue): string {
  return Array.isArray(reply) ? String(reply[0]) : '';
}
