/** The harness's `setup()` scope: everything started through it is stopped, last first, once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './index.js';

describe('harness: setup()', () => {
  it('stops what was started, last started first, when an `await using` block ends', async () => {
    const stopped: string[] = [];
    {
      await using t = setup();
      t.defer('first', (name) => stopped.push(name));
      t.defer('second', async (name) => {
        await new Promise((resolve) => setImmediate(resolve));
        stopped.push(name);
      });
      assert.deepEqual(stopped, []);
    }
    assert.deepEqual(stopped, ['second', 'first']);
  });

  it('runs every stop when one fails, then throws the failures', async () => {
    const stopped: string[] = [];
    const t = setup();
    t.defer('a', (name) => stopped.push(name));
    t.defer('b', () => {
      throw new Error('b failed');
    });
    t.defer('c', () => {
      throw new Error('c failed');
    });
    const error = await t.cleanup().then(
      () => assert.fail('cleanup resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(
      error.errors.map((e: Error) => e.message),
      ['c failed', 'b failed'],
    );
    assert.deepEqual(stopped, ['a']);
    await t.cleanup();
    assert.deepEqual(stopped, ['a'], 'a second cleanup finds nothing left');
  });

  it('returns what it started and stops a node and its clients at cleanup', async () => {
    const t = setup();
    const node = await t.node();
    const raw = await t.raw(node.wsUrl);
    const sdk = t.sdk(node.wsUrl, { token: await node.token('alice') });
    sdk.connect();
    await sdk.ready(5000);
    await t.cleanup();
    assert.equal(sdk.state, 'disconnected');
    assert.equal((await raw.closed).code > 0, true);
    await assert.rejects(fetch(`${node.baseUrl}/health`));
  });
});
