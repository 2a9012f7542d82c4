/**
 * A test's resources in one place: everything started through a {@link TestScope} is stopped by
 * its `cleanup()`, last started first, whatever failed on the way.
 *
 * The repository's TypeScript settings (target ES2022, `@types/node`'s `Symbol.asyncDispose`) and
 * tsx compile `await using`, so a scope can end with the block that made it:
 *
 * ```ts
 * it('delivers', async () => {
 *   await using t = setup();
 *   const node = await t.node({ channel: { namespaces: [{ name: 'chat' }] } });
 *   const raw = await t.raw(node.wsUrl);
 *   // ...
 * }); // every client is closed and the node stopped here, even when an assertion failed
 * ```
 *
 * In `before`/`after` hooks call `cleanup()` yourself: `const t = setup(); after(() => t.cleanup());`.
 */
import type { Centrifuge, Options } from 'centrifuge';
import type { Browser } from 'playwright-core';
import type { StartOptions } from '../../src/app.js';
import { launchBrowser } from './browser.js';
import { newClient } from './centrifuge-client.js';
import { FrameClient } from './frame-client.js';
import { type Nginx, startNginx } from './nginx.js';
import { startTestNode, type TestNode } from './node.js';
import { type NodeProcess, startNodeProcess } from './node-process.js';
import { type RawClient, rawConnect } from './raw-client.js';
import {
  type RedisClusterHandle,
  type RedisSentinelHandle,
  type RedisServer,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from './redis.js';

/** Starts the harness's servers and clients and stops them all at the end of a test. */
export interface TestScope extends AsyncDisposable {
  /** A node in this process on a free port (see `startTestNode`). */
  node(overrides?: Record<string, unknown>, options?: StartOptions): Promise<TestNode>;
  /** A node in its own process (see `startNodeProcess`), to be killed, paused or restarted. */
  nodeProcess(name: string, config: Record<string, unknown>, port?: number): Promise<NodeProcess>;
  /** A standalone `redis-server`; `extraArgs` are appended to its command line. */
  redis(extraArgs?: readonly string[]): Promise<RedisServer>;
  /** A Redis Cluster of `count` masters. */
  redisCluster(count?: number): Promise<RedisClusterHandle>;
  /** A Redis master, its replica and three sentinels. */
  redisSentinel(): Promise<RedisSentinelHandle>;
  /** The shipped nginx config in front of nodes on `ports`. */
  nginx(ports: number[]): Promise<Nginx>;
  /** Headless Chromium, closed at cleanup. */
  browser(): Promise<Browser>;
  /** A centrifuge SDK client (not connected yet: attach listeners, then `connect()`); disconnected at cleanup. */
  sdk(url: string, options?: Partial<Options>): Centrifuge;
  /** An open raw JSON-protocol WebSocket; closed at cleanup. */
  raw(url: string, headers?: Record<string, string>): Promise<RawClient>;
  /** A frame-level client after its upgrade request; its socket is destroyed at cleanup. */
  frames(port: number, headers?: Record<string, string>): Promise<{ client: FrameClient; response: string }>;
  /** Runs `stop` at cleanup, before whatever was started earlier; returns `value`. */
  defer<T>(value: T, stop: (value: T) => unknown): T;
  /**
   * Stops everything, last started first. Every stop runs even when one fails; the failures are
   * thrown together afterwards. Idempotent: a second call finds nothing left.
   */
  cleanup(): Promise<void>;
}

/** A new, empty scope. */
export function setup(): TestScope {
  const stops: (() => unknown)[] = [];
  const defer = <T>(value: T, stop: (value: T) => unknown): T => {
    stops.push(() => stop(value));
    return value;
  };
  const stopped = async <T extends { stop(): Promise<void> }>(started: Promise<T>): Promise<T> =>
    defer(await started, (s) => s.stop());
  const cleanup = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (let stop = stops.pop(); stop !== undefined; stop = stops.pop()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resources failed to stop`);
  };
  return {
    node: (overrides, options) => stopped(startTestNode(overrides, options)),
    nodeProcess: (name, config, port) => stopped(startNodeProcess(name, config, port)),
    redis: (extraArgs) => stopped(startRedis(extraArgs)),
    redisCluster: (count) => stopped(startRedisCluster(count)),
    redisSentinel: () => stopped(startRedisSentinel()),
    nginx: (ports) => stopped(startNginx(ports)),
    browser: async () => defer(await launchBrowser(), (b) => b.close()),
    sdk: (url, options) => defer(newClient(url, options), (c) => c.disconnect()),
    raw: async (url, headers) => defer(await rawConnect(url, headers), (c) => c.close()),
    frames: async (port, headers) =>
      defer(await FrameClient.open(port, headers), (opened) => opened.client.socket.destroy()),
    defer,
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}
