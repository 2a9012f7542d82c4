/**
 * Redis Sentinel with passwords on both sides: a master with `requirepass` and a sentinel whose
 * own connections need an ACL user and password. The engine reaches the master through the
 * sentinel with `sentinel_user`/`sentinel_password` (the sentinel's credentials) and `password`
 * (the master's); wrong sentinel credentials fail its start with the sentinel's own answer (WRONGPASS).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { EngineUnavailableError } from '../../src/engine/errors.js';
import type { HistoryOptions } from '../../src/engine/types.js';
import { EventRecorder, numbered } from '../conformance/event-recorder.js';
import { uniqueChannel } from '../conformance/helpers.js';
import {
  REDIS_START_TIMEOUT_MS,
  type RedisServer,
  redisCommand,
  startRedis,
  waitFor,
} from '../harness/index.js';
import { redisConfig, redisFactory, uniquePrefix } from '../harness/redis-engines.js';
import { startSentinel } from '../harness/redis-topologies.js';

const MASTER_PASSWORD = 'master-secret';
const SENTINEL_USER = 'switchboard';
const SENTINEL_PASSWORD = 'sentinel-secret';
const HISTORY: HistoryOptions = { size: 10, ttlMs: 60_000, metaTtlMs: 600_000 };

let master: RedisServer;
let sentinel: RedisServer;

before(async () => {
  master = await startRedis();
  sentinel = await startSentinel(master.port, 1, [`sentinel auth-pass mymaster ${MASTER_PASSWORD}`]);
  // Passwords are set once both answer PING (the harness's readiness check sends no AUTH).
  assert.equal(await redisCommand(master.port, ['CONFIG', 'SET', 'requirepass', MASTER_PASSWORD]), 'OK');
  const acl = ['ACL', 'SETUSER', SENTINEL_USER, 'on', `>${SENTINEL_PASSWORD}`, 'allcommands', 'allkeys'];
  assert.equal(await redisCommand(sentinel.port, acl), 'OK');
  assert.equal(await redisCommand(sentinel.port, ['ACL', 'SETUSER', 'default', 'off']), 'OK');
  const noauth = await redisCommand(sentinel.port, ['PING']).catch((error: Error) => error.message);
  assert.match(String(noauth), /NOAUTH|WRONGPASS|disabled/i, 'the sentinel now refuses anonymous clients');
});
after(async () => {
  await Promise.all([sentinel?.stop(), master?.stop()]);
});

describe('redis sentinel with credentials', () => {
  const prefix = uniquePrefix('sentinel-auth');
  const engines = (sentinelPassword: string) =>
    redisFactory(() => ({
      config: redisConfig({
        sentinel_address: [sentinel.address],
        sentinel_user: SENTINEL_USER,
        sentinel_password: sentinelPassword,
        password: MASTER_PASSWORD,
        prefix,
        command_timeout: 500,
      }),
    }));
  const good = engines(SENTINEL_PASSWORD);
  const bad = engines('not-the-password');
  afterEach(async () => {
    await Promise.all([good.cleanup(), bad.cleanup()]);
  });

  it('finds the master through a sentinel that needs a user and password, and publishes and delivers', async () => {
    const [a, b] = await good.create(2);
    const recorder = await EventRecorder.start(a!.broker);
    const channel = uniqueChannel('sentinel-auth');
    await a!.broker.subscribe([channel]);
    const result = await waitFor(
      () => b!.broker.publish(channel, numbered(1), { history: HISTORY }),
      'a publish through the sentinel-found master',
      REDIS_START_TIMEOUT_MS,
    );
    assert.equal(result.position?.offset, 1);
    const [first] = await recorder.waitForPublications(channel, 1);
    assert.equal(first!.pub.data, '{"n":1}');
  });

  it('refuses to start with a wrong sentinel password, saying so, as a temporary error', async () => {
    const error = await bad.create(1).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(
      error instanceof EngineUnavailableError,
      `expected EngineUnavailableError, got ${String(error)}`,
    );
    assert.match(error.message, /WRONGPASS/);
    assert.match(error.message, /engine\.redis/, 'the message names the config section to check');
  });
});
