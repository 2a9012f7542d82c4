/**
 * The system under test: Redis with an append-only file (so a restart keeps streams and idempotency
 * keys), three Switchboard nodes in their own processes on the Redis engine, optionally nginx in
 * front. Every node exit is watched: an exit the soak did not cause is a crash.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  type Nginx,
  type NodeProcess,
  type RedisServer,
  redisCommand,
  sleep,
  startNginx,
  startNodeProcess,
  startRedis,
  TEST_SECRET,
} from '../harness/index.js';
import { ChaosJwks } from './jwks.js';

export const HISTORY_SIZE = 1000;
const START_ATTEMPTS = 3;
/** Low enough that a client paused for long misses more than a recovery returns. */
export const RECOVERY_LIMIT = 50;

/** Namespace of the shared channels; personal channels `#<user>` use `without_namespace`. */
export const SHARED_NAMESPACE = 'chaos';

const recoverable = { history_size: HISTORY_SIZE, history_ttl: '1h', force_recovery: true };

/** Redis's default limit for pub/sub clients, restored after an overflow fault. */
const PUBSUB_DEFAULT_LIMIT = 'pubsub 32mb 8mb 60';
/** So small that one storm publication (20 KB) overflows a node's subscriber connection. */
const PUBSUB_TINY_LIMIT = 'pubsub 2kb 1kb 1';

export const PING_INTERVAL_MS = 10_000;
export const PONG_TIMEOUT_MS = 5000;

export function nodeConfig(redisUrl: string, jwksUrl: string): Record<string, unknown> {
  return {
    engine: { redis: { address: redisUrl, command_timeout: '1s' } },
    client: {
      // HMAC tokens for some clients, RS256 tokens from the JWKS endpoint for the others.
      // A short refresh interval, so that nodes serve their cached keys stale through the outage.
      token: {
        hmac_secret_key: TEST_SECRET,
        jwks_public_endpoint: jwksUrl,
        jwks_timeout: '500ms',
        jwks_refresh_interval: '2s',
      },
      // Slow consumers are noticed within seconds: no pong 10 s after a ping, or 256 KiB queued.
      ping_interval: `${PING_INTERVAL_MS}ms`,
      pong_timeout: `${PONG_TIMEOUT_MS}ms`,
      queue_max_size: 256 * 1024,
      recovery_max_publication_limit: RECOVERY_LIMIT,
    },
    channel: {
      without_namespace: recoverable,
      namespaces: [{ name: SHARED_NAMESPACE, ...recoverable }],
    },
  };
}

export interface NodeExit {
  node: string;
  code: number | null;
  signal: string | null;
}

export function nginxInstalled(): boolean {
  return ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx'].some(
    existsSync,
  );
}

/** Resident set size of a process in MiB, or NaN when it is gone. */
export function rssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

export class ChaosCluster {
  /** Exits nobody asked for. */
  readonly crashes: NodeExit[] = [];
  /** Exit of each node when it was stopped at the end (SIGTERM). */
  readonly finalExits: NodeExit[] = [];
  readonly restarts = new Map<string, number>();
  /** Node pub/sub connections that Redis cut for their output buffer during storm faults. */
  pubsubCuts = 0;
  /** Restarts that did not answer /health in time and were tried again. */
  slowStarts = 0;
  private readonly expected = new Set<NodeProcess['child']>();
  private stopped = false;

  private constructor(
    readonly redis: RedisServer,
    readonly nodes: NodeProcess[],
    readonly nginx: Nginx | undefined,
    readonly jwks: ChaosJwks,
  ) {
    for (const node of nodes) this.watch(node);
  }

  static async start(count: number, withNginx: boolean): Promise<ChaosCluster> {
    // fsync on every write: a SIGKILLed Redis comes back with every acknowledged publication.
    const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const jwks = await ChaosJwks.start();
    const nodes: NodeProcess[] = [];
    try {
      for (let i = 0; i < count; i++)
        nodes.push(await startNodeProcess(`chaos-${i + 1}`, nodeConfig(redis.url, jwks.url)));
      const nginx = withNginx ? await startNginx(nodes.map((n) => n.port)) : undefined;
      return new ChaosCluster(redis, nodes, nginx, jwks);
    } catch (error) {
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
      await redis.stop();
      await jwks.stop();
      throw error;
    }
  }

  /** Where clients connect: nginx when it runs, otherwise a random node. */
  wsUrl(): string {
    if (this.nginx !== undefined) return this.nginx.wsUrl;
    return this.nodes[Math.floor(Math.random() * this.nodes.length)]!.wsUrl;
  }

  baseUrls(): string[] {
    return this.nodes.map((n) => n.baseUrl);
  }

  private watch(node: NodeProcess): void {
    const child = node.child;
    child.once('exit', (code, signal) => {
      if (!this.expected.delete(child)) this.crashes.push({ node: node.name, code, signal });
    });
  }

  /** SIGKILL, down for `downMs`, then started again on the same port. */
  async killAndRestart(node: NodeProcess, downMs: number): Promise<void> {
    this.expected.add(node.child);
    await node.kill();
    await sleep(downMs);
    // On a loaded machine a start can take longer than the harness waits: try again, and count it.
    for (let attempt = 1; ; attempt++) {
      try {
        await node.restart();
        break;
      } catch (error) {
        if (attempt === START_ATTEMPTS) throw error;
        this.slowStarts++;
      }
    }
    this.restarts.set(node.name, (this.restarts.get(node.name) ?? 0) + 1);
    this.watch(node);
  }

  /** SIGSTOP for `ms`, then SIGCONT. */
  async freeze(node: NodeProcess, ms: number): Promise<void> {
    node.child.kill('SIGSTOP');
    try {
      await sleep(ms);
    } finally {
      node.child.kill('SIGCONT');
    }
  }

  /** Kills Redis, keeps it down for `downMs`, restarts it from its append-only file. */
  async restartRedis(downMs: number): Promise<void> {
    await this.redis.kill();
    await sleep(downMs);
    await this.redis.restartKeepingData();
  }

  /**
   * Shrinks Redis's output-buffer limit for pub/sub clients so far that each node's subscriber
   * connection is cut by the next large publication, runs `storm`, then restores the default. A
   * Redis restart meanwhile resets the limit by itself. Counts the subscriber connections cut.
   */
  async overflowPubSub(storm: () => Promise<void>): Promise<void> {
    const limit = (value: string): Promise<unknown> =>
      redisCommand(this.redis.port, ['CONFIG', 'SET', 'client-output-buffer-limit', value]);
    const before = await this.pubsubClients();
    await limit(PUBSUB_TINY_LIMIT);
    try {
      await storm();
    } finally {
      await limit(PUBSUB_DEFAULT_LIMIT).catch(() => {});
    }
    const after = await this.pubsubClients();
    for (const id of before) if (!after.has(id)) this.pubsubCuts++;
  }

  /** Ids of the connections Redis holds in pub/sub mode (CLIENT LIST flag P). */
  private async pubsubClients(): Promise<Set<string>> {
    const list = String(await redisCommand(this.redis.port, ['CLIENT', 'LIST']));
    const ids = new Set<string>();
    for (const line of list.split('\n')) {
      const match = /^id=(\d+) .* flags=\w*P/.exec(line);
      if (match !== null) ids.add(match[1]!);
    }
    return ids;
  }

  rss(): number[] {
    return this.nodes.map((n) => rssMiB(n.child.pid));
  }

  /** Stops nginx, every node (SIGTERM, exit codes kept) and Redis. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.nginx?.stop().catch(() => {});
    await Promise.all(
      this.nodes.map(async (node) => {
        const child = node.child;
        this.expected.add(child);
        await node.stop().catch(() => {});
        this.finalExits.push({ node: node.name, code: child.exitCode, signal: child.signalCode });
      }),
    );
    await this.redis.stop();
    await this.jwks.stop();
  }
}
