/**
 * The node's broker interest: exactly the channels with local subscribers, changed in batches —
 * what one event-loop turn asks for goes to the broker as one unsubscribe and one subscribe call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Interest } from '../../../src/gateway/interest.js';
import { nextTurn, RecordingBroker } from './fixtures.js';

/** An interest over a recording broker; `local` is the set of channels with local subscribers. */
function setupInterest(): { broker: RecordingBroker; interest: Interest; local: Set<string> } {
  const broker = new RecordingBroker();
  const local = new Set<string>();
  return { broker, local, interest: new Interest(broker, (channel) => local.has(channel)) };
}

/** A channel that gets local subscribers, as the hub asks for it. */
function want(t: ReturnType<typeof setupInterest>, channel: string): Promise<void> {
  t.local.add(channel);
  return t.interest.ensure(channel);
}

/** Its last local subscriber left, as the hub reports it. */
function leave(t: ReturnType<typeof setupInterest>, channel: string): void {
  t.local.delete(channel);
  t.interest.touch(channel);
}

/** Two turns: the batch ran and its broker calls completed. */
async function batchDone(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

describe('Interest: batching per turn', () => {
  it('subscribes the broker once for every channel ensured in one turn, after the turn', async () => {
    const t = setupInterest();
    const ensured = Promise.all([want(t, 'a'), want(t, 'b'), want(t, 'c')]);
    assert.deepEqual(t.broker.calls, [], 'nothing is sent during the turn');
    await ensured;
    assert.deepEqual(t.broker.calls, [{ op: 'subscribe', channels: ['a', 'b', 'c'] }]);
  });

  it('resolves at once for a channel the broker already delivers', async () => {
    const t = setupInterest();
    await want(t, 'a');
    let resolved = false;
    void t.interest.ensure('a').then(() => {
      resolved = true;
    });
    await Promise.resolve();
    assert.equal(resolved, true);
    await batchDone();
    assert.equal(t.broker.calls.length, 1);
  });

  it('unsubscribes once for the channels whose last subscriber left in one turn', async () => {
    const t = setupInterest();
    await Promise.all([want(t, 'a'), want(t, 'b'), want(t, 'c')]);
    leave(t, 'a');
    leave(t, 'c');
    await batchDone();
    assert.deepEqual(t.broker.calls.slice(1), [{ op: 'unsubscribe', channels: ['a', 'c'] }]);
  });

  it('unsubscribes before it subscribes when one turn has both', async () => {
    const t = setupInterest();
    await want(t, 'old');
    leave(t, 'old');
    await want(t, 'new');
    assert.deepEqual(t.broker.calls.slice(1), [
      { op: 'unsubscribe', channels: ['old'] },
      { op: 'subscribe', channels: ['new'] },
    ]);
  });

  it('asks the broker nothing for a channel wanted and left within one turn', async () => {
    const t = setupInterest();
    const ensured = want(t, 'brief');
    leave(t, 'brief');
    await assert.rejects(ensured, /no local subscribers/);
    assert.deepEqual(t.broker.calls, []);
  });

  it('asks the broker nothing when a touched channel is still wanted', async () => {
    const t = setupInterest();
    await want(t, 'a');
    t.interest.touch('a');
    await batchDone();
    assert.equal(t.broker.calls.length, 1);
  });
});

describe('Interest: while a broker call is in flight', () => {
  it('gathers what is asked meanwhile into the next call', async () => {
    const t = setupInterest();
    t.broker.hold();
    const first = want(t, 'a');
    await nextTurn();
    const later = Promise.all([want(t, 'b'), want(t, 'c')]);
    await batchDone();
    assert.deepEqual(t.broker.calls, [{ op: 'subscribe', channels: ['a'] }], 'one call at a time');
    t.broker.release();
    await first;
    await later;
    assert.deepEqual(t.broker.calls, [
      { op: 'subscribe', channels: ['a'] },
      { op: 'subscribe', channels: ['b', 'c'] },
    ]);
  });

  it('makes a second ensure of a channel being subscribed wait for that call, with no call of its own', async () => {
    const t = setupInterest();
    t.broker.hold();
    const first = want(t, 'a');
    await nextTurn();
    const second = t.interest.ensure('a');
    t.broker.release();
    await Promise.all([first, second]);
    assert.deepEqual(t.broker.calls, [{ op: 'subscribe', channels: ['a'] }]);
  });

  it('settles a channel touched again during the call with the next batch', async () => {
    const t = setupInterest();
    t.broker.hold();
    const ensured = want(t, 'a');
    await nextTurn();
    leave(t, 'a');
    t.broker.release();
    await assert.rejects(ensured, /no local subscribers/);
    assert.deepEqual(t.broker.calls, [
      { op: 'subscribe', channels: ['a'] },
      { op: 'unsubscribe', channels: ['a'] },
    ]);
  });
});

describe('Interest: broker failures', () => {
  it('rejects the waiters of a failed subscribe with its error; the next ensure tries again', async () => {
    const t = setupInterest();
    const down = new Error('broker down');
    t.broker.failWith = down;
    const ensured = Promise.allSettled([want(t, 'a'), want(t, 'b')]);
    assert.deepEqual(
      (await ensured).map((r) => (r.status === 'rejected' ? r.reason : r.status)),
      [down, down],
    );
    t.broker.failWith = undefined;
    await want(t, 'a');
    assert.deepEqual(t.broker.calls, [
      { op: 'subscribe', channels: ['a', 'b'] },
      { op: 'subscribe', channels: ['a'] },
    ]);
  });

  it('forgets a channel whose unsubscribe failed, so the next ensure subscribes it again', async () => {
    const t = setupInterest();
    await want(t, 'a');
    t.broker.failWith = new Error('broker down');
    leave(t, 'a');
    await batchDone();
    t.broker.failWith = undefined;
    await want(t, 'a');
    assert.deepEqual(t.broker.calls, [
      { op: 'subscribe', channels: ['a'] },
      { op: 'unsubscribe', channels: ['a'] },
      { op: 'subscribe', channels: ['a'] },
    ]);
  });
});
