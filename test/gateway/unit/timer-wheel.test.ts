/**
 * The shared timer wheel: deadlines in buckets of `resolutionMs`, walked by one interval. Mocked
 * `setInterval` and `Date` step the wheel one resolution at a time; the late-tick cases block the
 * real event loop, as a SIGSTOP or a long GC does.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { TimerWheel, type WheelItem } from '../../../src/gateway/timer-wheel.js';

const RESOLUTION = 250;
/** A multiple of the resolution, so ticks fall on bucket boundaries. */
const START = 1_000_000;

/** An item that records the `now` of every deadline it gets. */
function item(onDeadline: (now: number) => void = () => {}): WheelItem & { calls: number[] } {
  const calls: number[] = [];
  return {
    wheelSlot: -1,
    calls,
    onDeadline(now) {
      calls.push(now);
      onDeadline(now);
    },
  };
}

/** A wheel on mocked time at START; `tick()` moves time on by one resolution, firing the interval once. */
function mockedWheel(t: TestContext): { wheel: TimerWheel; tick(count?: number): void } {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: START });
  const wheel = new TimerWheel(RESOLUTION);
  t.after(() => wheel.close());
  return {
    wheel,
    tick(count = 1) {
      for (let i = 0; i < count; i++) t.mock.timers.tick(RESOLUTION);
    },
  };
}

/** Blocks the event loop, as a stopped process or a long GC would. */
function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

describe('TimerWheel: scheduling', () => {
  it('fires an item once, on the first tick at or after its deadline, and unschedules it', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const a = item();
    wheel.schedule(a, START + 100);
    assert.equal(wheel.size, 1);
    assert.notEqual(a.wheelSlot, -1);
    assert.deepEqual(a.calls, [], 'nothing fires before a tick');
    tick();
    assert.deepEqual(a.calls, [START + RESOLUTION], 'onDeadline gets the tick time');
    assert.equal(a.wheelSlot, -1);
    assert.equal(wheel.size, 0);
    tick(4);
    assert.equal(a.calls.length, 1, 'once only');
  });

  it('rounds deadlines up to the resolution: never early, at most one resolution late', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const at = [START + 1, START + RESOLUTION, START + RESOLUTION + 1, START + 2 * RESOLUTION];
    const items = at.map((deadline) => {
      const it = item();
      wheel.schedule(it, deadline);
      return it;
    });
    tick();
    assert.deepEqual(
      items.map((i) => i.calls.length),
      [1, 1, 0, 0],
    );
    tick();
    assert.deepEqual(
      items.map((i) => i.calls),
      [[START + 250], [START + 250], [START + 500], [START + 500]],
    );
  });

  it('fires a deadline already past on the next tick', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const a = item();
    wheel.schedule(a, START - 60_000);
    tick();
    assert.equal(a.calls.length, 1);
  });

  it('puts a deadline in a bucket already walked into the next one', (t) => {
    const { wheel, tick } = mockedWheel(t);
    tick(2);
    const a = item();
    wheel.schedule(a, START);
    tick();
    assert.deepEqual(a.calls, [START + 3 * RESOLUTION]);
  });

  it('replaces an earlier deadline when scheduled again, later or sooner', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const later = item();
    wheel.schedule(later, START + 100);
    wheel.schedule(later, START + 600);
    const sooner = item();
    wheel.schedule(sooner, START + 600);
    wheel.schedule(sooner, START + 100);
    assert.equal(wheel.size, 2);
    tick();
    assert.deepEqual(later.calls, []);
    assert.deepEqual(sooner.calls, [START + 250]);
    tick(2);
    assert.deepEqual(later.calls, [START + 750]);
    assert.equal(sooner.calls.length, 1);
  });

  it('counts scheduled items across buckets', (t) => {
    const { wheel, tick } = mockedWheel(t);
    for (const at of [START + 10, START + 20, START + 400]) wheel.schedule(item(), at);
    assert.equal(wheel.size, 3);
    tick();
    assert.equal(wheel.size, 1);
  });

  it('fires again an item that schedules its next deadline from onDeadline', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const pinging = item((now) => wheel.schedule(pinging, now + 2 * RESOLUTION));
    wheel.schedule(pinging, START + RESOLUTION);
    tick(5);
    assert.deepEqual(pinging.calls, [START + 250, START + 750, START + 1250]);
  });

  it('fires again, one bucket later, an item that schedules its next deadline at "now" from onDeadline', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const again = item((now) => {
      if (again.calls.length === 1) wheel.schedule(again, now);
    });
    wheel.schedule(again, START + RESOLUTION);
    tick(3);
    assert.equal(again.calls.length, 2);
  });

  it('keeps walking the bucket when an item throws', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const failing = item(() => {
      throw new Error('one connection failed');
    });
    const next = item();
    wheel.schedule(failing, START + 100);
    wheel.schedule(next, START + 100);
    tick();
    assert.equal(failing.calls.length, 1);
    assert.equal(next.calls.length, 1);
  });
});

describe('TimerWheel: cancel and close', () => {
  it('cancel removes the deadline; cancelling again or an unscheduled item does nothing', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const a = item();
    const b = item();
    wheel.schedule(a, START + 100);
    wheel.schedule(b, START + 100);
    wheel.cancel(a);
    wheel.cancel(a);
    wheel.cancel(item());
    assert.equal(a.wheelSlot, -1);
    assert.equal(wheel.size, 1);
    tick(2);
    assert.deepEqual(a.calls, []);
    assert.equal(b.calls.length, 1);
  });

  it('a deadline cancelled by another of the same bucket, while it is walked, does not fire', (t) => {
    const { wheel, tick } = mockedWheel(t);
    // One connection's deadline closes another (a user's sessions), which cancels that one's.
    const later = item();
    const first = item(() => wheel.cancel(later));
    wheel.schedule(first, START + 100);
    wheel.schedule(later, START + 100);
    tick(3);
    assert.deepEqual(later.calls, [], 'cancelled before its turn in the walk');
    assert.equal(first.calls.length, 1);
    assert.equal(wheel.size, 0);
  });

  it('a deadline moved by another of the same bucket, while it is walked, fires once, at its new time', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const moved = item();
    const first = item(() => wheel.schedule(moved, START + 3 * RESOLUTION));
    wheel.schedule(first, START + 100);
    wheel.schedule(moved, START + 100);
    tick();
    assert.deepEqual(moved.calls, [], 'not in this walk: it was moved out of the bucket');
    assert.notEqual(moved.wheelSlot, -1, 'still scheduled, in its new bucket');
    tick(4);
    assert.deepEqual(moved.calls, [START + 3 * RESOLUTION], 'once, at the new deadline');
    assert.equal(wheel.size, 0);
  });

  it('close drops every deadline and stops the interval', (t) => {
    const { wheel, tick } = mockedWheel(t);
    const a = item();
    wheel.schedule(a, START + 100);
    wheel.close();
    assert.equal(wheel.size, 0);
    tick(3);
    assert.deepEqual(a.calls, []);
  });
});

/** Two ends of a loopback TCP connection. */
async function socketPair(): Promise<{ client: Socket; server: Socket }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  listener.close();
  return { client, server };
}

describe('TimerWheel: a late tick (the event loop was blocked)', () => {
  it('waits one turn, so input read after the stop moves the deadline before it is walked', async () => {
    const wheel = new TimerWheel(20);
    try {
      // A pong that arrives while the loop is blocked: its read completes in the poll phase, after
      // the late interval ran in the timers phase of the same turn. The bytes are in the kernel's
      // receive buffer before the block starts (a loopback write goes through at once), so the read
      // is ready whatever the machine's load.
      const { client, server } = await socketPair();
      const silent = item();
      wheel.schedule(silent, Date.now() + 20);
      let readAt = 0;
      server.once('data', () => {
        readAt = Date.now();
        wheel.schedule(silent, readAt + 60_000);
      });
      try {
        client.write('{}');
        blockFor(1300);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        client.destroy();
        server.destroy();
      }
      assert.ok(readAt > 0, 'the read completed');
      assert.deepEqual(silent.calls, [], 'the deadline moved by the read is not walked');
      assert.equal(wheel.size, 1);
    } finally {
      wheel.close();
    }
  });

  it('still walks the due deadlines, one turn later', async () => {
    const wheel = new TimerWheel(20);
    try {
      const silent = item();
      const due = Date.now() + 20;
      wheel.schedule(silent, due);
      blockFor(1300);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(silent.calls.length, 1);
      assert.ok(silent.calls[0]! >= due);
    } finally {
      wheel.close();
    }
  });
});
