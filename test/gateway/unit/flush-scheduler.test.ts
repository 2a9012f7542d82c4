/**
 * The flush scheduler: connections marked during a turn are flushed together, once each, from one
 * `setImmediate` after the turn, so each makes one write per turn however many frames it got.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Flushable, FlushScheduler } from '../../../src/gateway/flush-scheduler.js';
import { nextTurn } from './fixtures.js';

/** A flushable that appends its name to `log` on every flush. */
function target(name: string, log: string[], onFlush: () => void = () => {}): Flushable {
  return {
    flush() {
      log.push(name);
      onFlush();
    },
  };
}

describe('FlushScheduler', () => {
  it('flushes nothing during the turn, then every marked target once, in the order marked', async () => {
    const scheduler = new FlushScheduler();
    const log: string[] = [];
    scheduler.mark(target('b', log));
    scheduler.mark(target('a', log));
    scheduler.mark(target('c', log));
    assert.deepEqual(log, []);
    await nextTurn();
    assert.deepEqual(log, ['b', 'a', 'c']);
    await nextTurn();
    assert.deepEqual(log, ['b', 'a', 'c'], 'a flush is not repeated');
  });

  it('flushes every target of the turn from one callback, before callbacks queued after the first mark', async () => {
    const scheduler = new FlushScheduler();
    const log: string[] = [];
    scheduler.mark(target('first', log));
    setImmediate(() => log.push('queued between the marks'));
    scheduler.mark(target('second', log));
    await nextTurn();
    assert.deepEqual(log, ['first', 'second', 'queued between the marks']);
  });

  it('flushes a target marked during a flush in the next batch, not the running one', async () => {
    const scheduler = new FlushScheduler();
    const log: string[] = [];
    const late = target('late', log);
    scheduler.mark(target('early', log, () => scheduler.mark(late)));
    await nextTurn();
    assert.deepEqual(log, ['early']);
    await nextTurn();
    assert.deepEqual(log, ['early', 'late']);
  });

  it('schedules again for marks after a batch ran', async () => {
    const scheduler = new FlushScheduler();
    const log: string[] = [];
    const a = target('a', log);
    scheduler.mark(a);
    await nextTurn();
    scheduler.mark(a);
    await nextTurn();
    assert.deepEqual(log, ['a', 'a']);
  });

  it('flushes a target as often as it was marked: one mark per turn is the caller’s rule', async () => {
    const scheduler = new FlushScheduler();
    const log: string[] = [];
    const a = target('a', log);
    scheduler.mark(a);
    scheduler.mark(a);
    await nextTurn();
    assert.deepEqual(log, ['a', 'a']);
  });
});
