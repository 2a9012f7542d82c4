/** The harness's `waitFor`: what it resolves with, what it retries, how it fails. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep, waitFor } from './index.js';

describe('harness: waitFor', () => {
  it('resolves with the first truthy value of a sync or async probe', async () => {
    let calls = 0;
    assert.equal(await waitFor(() => ++calls >= 3 && calls), 3);
    assert.deepEqual(await waitFor(async () => ({ ready: true })), { ready: true });
  });

  it('retries a probe that throws or rejects until it answers', async () => {
    let calls = 0;
    const value = await waitFor(async () => {
      if (++calls < 3) throw new Error('not up yet');
      return 'up';
    });
    assert.equal(value, 'up');
    assert.equal(calls, 3);
  });

  it('fails after the timeout naming what it waited for, with the last error as cause', async () => {
    const down = new Error('connection refused');
    const error = await waitFor(
      () => {
        throw down;
      },
      { timeoutMs: 50, message: 'the server' },
    ).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof Error);
    assert.match(
      error.message,
      /timed out after 50 ms waiting for the server \(last error: connection refused\)/,
    );
    assert.equal(error.cause, down);
  });

  it('takes the message and the timeout as arguments', async () => {
    const started = Date.now();
    await assert.rejects(
      waitFor(() => false, 'never', 60),
      /waiting for never/,
    );
    assert.ok(Date.now() - started >= 60);
  });

  it('sleeps intervalMs between probes', async () => {
    let calls = 0;
    await waitFor(() => ++calls === 3, { intervalMs: 40 });
    const started = Date.now();
    calls = 0;
    await waitFor(() => ++calls === 3, { intervalMs: 40 });
    assert.ok(Date.now() - started >= 70, 'two sleeps of 40 ms');
  });

  it('sleep waits at least the time asked', async () => {
    const started = Date.now();
    await sleep(30);
    assert.ok(Date.now() - started >= 29);
  });
});
