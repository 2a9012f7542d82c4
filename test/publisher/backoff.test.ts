import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '../../packages/publisher/src/backoff.js';

describe('publisher: backoff delays', () => {
  it('grow by the factor up to the cap, with half of each delay random', () => {
    const options = { initialMs: 100, maxMs: 1000, factor: 2 };
    const nominal = [100, 200, 400, 800, 1000, 1000];
    for (const [retry, d] of nominal.entries()) {
      assert.equal(
        backoffDelay(retry, options, () => 0),
        d / 2,
      );
      assert.equal(
        backoffDelay(retry, options, () => 1),
        d,
      );
    }
  });

  it('differ between callers (jitter)', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3)));
    assert.ok(delays.size > 1);
    for (const delay of delays) assert.ok(delay >= 400 && delay <= 800, String(delay));
  });
});
