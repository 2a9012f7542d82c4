/**
 * The engine's outages in the logs: a real redis-server frozen with SIGSTOP for 5 s under a node
 * that keeps publishing. The node warns once, within about `engine.redis.command_timeout` of the
 * freeze, that the engine is unreachable — not once per failed call — and says when it is back and
 * how long it was away; `switchboard_engine_up` reads 0 meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup, sleep, waitFor } from '../harness/index.js';
import { scrape } from '../metrics/scrape.js';
import { captureLog, LEVEL } from './capture.js';

const UNREACHABLE = /^engine unreachable/;
const BACK = /^engine reachable again/;

describe('engine outage logs', () => {
  it('a 5 s Redis freeze: one warning within the command timeout, one line with the downtime when back', async (ctx) => {
    await using t = setup();
    const redis = await t.redis();
    const log = captureLog('info');
    const node = await t.node(
      { engine: { type: 'redis', redis: { address: redis.url, command_timeout: '1s' } } },
      { logger: log.logger },
    );
    assert.equal((await node.api('publish', { channel: 'news', data: {} })).status, 200);
    assert.equal((await scrape(node.baseUrl)).get('switchboard_engine_up'), 1);

    redis.pause();
    const frozenAt = Date.now();
    // Calls go on failing while Redis is frozen: none of them may add a line of its own.
    let failed = 0;
    const traffic = (async () => {
      while (Date.now() - frozenAt < 5000) {
        const { body } = await node.api('publish', { channel: 'news', data: {} });
        if (body['error'] !== undefined) failed++;
        await sleep(50);
      }
    })();
    try {
      await waitFor(() => log.find(UNREACHABLE).length > 0, 'the unreachable warning', 5000);
      const warnedAfter = Date.now() - frozenAt;
      // The command timeout (1 s) plus the health check's PING interval (1 s) and one look (250 ms).
      assert.ok(warnedAfter < 2600, `warned ${warnedAfter} ms after the freeze`);
      ctx.diagnostic(`warned ${warnedAfter} ms after the freeze`);
      const [warning] = log.find(UNREACHABLE);
      assert.equal(warning!['level'], LEVEL.warn);
      assert.equal(warning!['engine'], 'redis');
      assert.equal((await scrape(node.baseUrl)).get('switchboard_engine_up'), 0);
      await traffic;
    } finally {
      redis.resume();
    }
    assert.ok(failed >= 10, `only ${failed} calls failed during the freeze`);

    await waitFor(() => log.find(BACK).length > 0, 'the back-again line', 10_000);
    const [back] = log.find(BACK);
    assert.equal(back!['level'], LEVEL.info);
    const downMs = back!['down_ms'] as number;
    assert.ok(downMs >= 2500 && downMs <= 7000, `down for ${downMs} ms`);
    ctx.diagnostic(`reported down for ${downMs} ms; ${failed} calls failed meanwhile`);
    assert.equal(log.find(UNREACHABLE).length, 1, 'one warning for the whole outage');
    const warnings = log.lines.filter((l) => (l['level'] as number) >= LEVEL.warn);
    assert.ok(
      warnings.length <= 3,
      `${warnings.length} warnings: ${warnings.map((w) => w['msg']).join(' | ')}`,
    );
    await waitFor(
      async () =>
        (await node.api('publish', { channel: 'news', data: {} })).status === 200 &&
        (await scrape(node.baseUrl)).get('switchboard_engine_up') === 1,
      'the engine to answer again',
    );
  });
});
