import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DurationError, parseDuration } from '../../src/config/index.js';

describe('parseDuration', () => {
  const valid: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['0ms', 0],
    ['300s', 300_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2h45m30s', 9_930_000],
    ['250ms', 250],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['1.5h', 5_400_000],
    ['1000us', 1],
    ['1000µs', 1],
    ['2000000ns', 2],
    ['1m0.25s', 60_250],
  ];
  for (const [text, ms] of valid) {
    it(`parses ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  const invalid = [
    '',
    '300',
    '1.5',
    '-5s',
    '-0s',
    '+5s',
    '5 m',
    ' 5s',
    '5s ',
    '5S',
    '5d',
    's',
    '5',
    'abc',
    '1e3s',
    '1us',
    '1500us',
    '5m5',
    '∞s',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parseDuration(text),
        (error: unknown) => error instanceof DurationError && error.code === 'DURATION_INVALID',
      );
    });
  }
});
