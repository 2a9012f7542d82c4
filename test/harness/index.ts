/**
 * The test harness, one import: `import { setup, waitFor, token } from '../harness/index.js'`.
 *
 * - waiting: the one `sleep`, the one polling helper `waitFor`, the one `freePort`;
 * - `setup()`: a scope whose `cleanup()` (or `await using`) stops everything started through it;
 * - nodes: in this process (`startTestNode`) or in their own (`startNodeProcess`), nginx in front;
 * - Redis: standalone, Cluster and Sentinel topologies of real `redis-server` processes;
 * - clients: the centrifuge SDK, a raw JSON-protocol WebSocket, a frame-level client over TCP;
 * - tokens signed with the key every test node trusts; headless Chromium; the CLI as a process.
 *
 * Loading it is cheap: the server, the config loader and playwright load on first use.
 * Specialised clients stay next to their suites (fuzz, chaos, differential, resource attackers).
 */
export { artifactPath, CHROMIUM_PATH, launchBrowser } from './browser.js';
export { collect, connected, newClient } from './centrifuge-client.js';
export { type Cli, cleanEnv, killAll, ROOT, runCli, startCli } from './cli.js';
export {
  closeBody,
  FrameClient,
  type FrameOptions,
  frame,
  type ServerFrame,
  tcpConnect,
  type UpgradedSocket,
  upgrade,
} from './frame-client.js';
export { type Nginx, renderNginxConfig, startNginx } from './nginx.js';
export { callApi, startTestNode, type TestNode } from './node.js';
export { type NodeProcess, startNodeProcess } from './node-process.js';
export { freePort } from './ports.js';
export { closeCode, errorCode, type RawClient, rawConnect } from './raw-client.js';
export {
  REDIS_START_TIMEOUT_MS,
  type RedisClusterHandle,
  type RedisSentinelHandle,
  type RedisServer,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from './redis.js';
export { RespError, type RespValue, redisCommand } from './redis-resp.js';
export { setup, type TestScope } from './setup.js';
export { TEST_API_KEY, TEST_SECRET, token } from './tokens.js';
export { sleep, WAIT_INTERVAL_MS, WAIT_TIMEOUT_MS, type WaitOptions, waitFor } from './wait.js';
