/** Redis Cluster (three masters) and Sentinel (master, replica, three sentinels) for tests, built on the standalone harness. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  baseArgs,
  REDIS_START_TIMEOUT_MS,
  type RedisServer,
  type ServerProcess,
  startRedis,
  startServer,
} from './redis.js';
import { type RespValue, redisCommand } from './redis-resp.js';
import { waitFor } from './wait.js';

const execFileAsync = promisify(execFile);

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
        waitFor(
          async () => {
            const info = String(await redisCommand(node.port, ['CLUSTER', 'INFO']));
            return info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${count}`);
          },
          `cluster_state:ok on ${node.address}`,
          REDIS_START_TIMEOUT_MS,
        ),
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

/**
 * Starts one sentinel on loopback watching the master on `masterPort` as `mymaster` with `quorum`,
 * its other directives (`sentinel auth-pass …`, timings) from `extra`.
 */
export function startSentinel(
  masterPort: number,
  quorum: number,
  extra: readonly string[] = [],
): Promise<RedisServer> {
  return startServer({
    args: (port, dir) => {
      const file = join(dir, 'sentinel.conf');
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `logfile ${join(dir, 'redis.log')}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} ${quorum}`,
          ...extra,
          '',
        ].join('\n'),
      );
      return [file, '--sentinel'];
    },
  });
}

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
    await waitFor(
      async () =>
        String(await redisCommand(replica.port, ['INFO', 'replication'])).includes('master_link_status:up'),
      'the replica to sync',
      REDIS_START_TIMEOUT_MS,
    );
    const sentinels = await Promise.all(
      [0, 1, 2].map(() =>
        startSentinel(master.port, 2, [
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 3000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
        ]),
      ),
    );
    servers.push(...sentinels);
    // A sentinel can fail over only once it knows the replica (learned from the master's INFO).
    await Promise.all(
      sentinels.map((s) =>
        waitFor(
          async () => {
            const replicas = await redisCommand(s.port, ['SENTINEL', 'REPLICAS', MASTER_NAME]);
            return Array.isArray(replicas) && replicas.length > 0;
          },
          `sentinel ${s.address} to know the replica`,
          REDIS_START_TIMEOUT_MS,
        ),
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
        await waitFor(
          async () => (await redisCommand(first.port, ['SENTINEL', 'FAILOVER', MASTER_NAME])) === 'OK',
          'SENTINEL FAILOVER to be accepted',
          REDIS_START_TIMEOUT_MS,
        );
        let after = before;
        await waitFor(
          async () => {
            const ports = await Promise.all(sentinels.map(masterPortOf));
            after = ports[0]!;
            return after !== before && ports.every((p) => p === after);
          },
          'every sentinel to report the new master',
          REDIS_START_TIMEOUT_MS,
        );
        await waitFor(
          async () => roleOf(await redisCommand(after, ['ROLE'])) === 'master',
          'the new master to take the master role',
          REDIS_START_TIMEOUT_MS,
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
