/**
 * The publisher's total deadline and its `onAttempt` hook, against a real node behind the fault
 * proxy, a closed port and a small real HTTP server: retries with backoff go on until the deadline
 * and not past it, the deadline cuts an attempt's timeout, `retries` still caps the count, and
 * every attempt is reported with its number, duration, outcome and the wait that follows.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { type AttemptEvent, Publisher, PublisherError } from '../../packages/publisher/src/index.js';
import { freePort, startTestNode, TEST_API_KEY, type TestNode } from '../harness/index.js';
import { ApiProxy } from './api-proxy.js';

/** The error a promise rejects with, and how long it took; fails when it resolves. */
async function timedRejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

function publisherError(error: unknown): PublisherError {
  assert.ok(error instanceof PublisherError, String(error));
  return error;
}

/** Checks the events of one failed call: numbered 1..n, a wait after each but the last. */
function assertRetriedUntilTheEnd(events: AttemptEvent[], method: string): void {
  assert.deepEqual(
    events.map((e) => e.attempt),
    events.map((_, i) => i + 1),
  );
  for (const [i, event] of events.entries()) {
    assert.equal(event.method, method);
    assert.equal(event.outcome, 'error');
    assert.ok(event.error instanceof PublisherError);
    assert.ok(event.durationMs >= 0);
    if (i < events.length - 1) {
      assert.ok(event.nextDelayMs !== undefined && event.nextDelayMs > 0, `attempt ${i + 1} waits`);
      assert.ok(event.nextDelayMs + 100 <= event.remainingMs, 'a wait leaves 100 ms for the next attempt');
    } else {
      assert.equal(event.nextDelayMs, undefined, 'no wait after the last attempt');
    }
  }
}

describe('publisher: the deadline of a call', () => {
  let node: TestNode;
  let proxy: ApiProxy;
  const servers: Server[] = [];

  before(async () => {
    node = await startTestNode();
    proxy = await ApiProxy.start(node.baseUrl);
  });
  afterEach(() => {
    proxy.faults.length = 0;
  });
  after(async () => {
    for (const server of servers) server.close();
    await proxy.stop();
    await node.stop();
  });

  it('by default retries a refused connection for 10 s, not past it, then throws the last error', async () => {
    const events: AttemptEvent[] = [];
    const port = await freePort();
    const publisher = new Publisher({
      url: `http://127.0.0.1:${port}`,
      apiKey: TEST_API_KEY,
      onAttempt: (e) => events.push(e),
    });
    const { error, ms } = await timedRejection(publisher.info());
    const e = publisherError(error);
    assert.equal(e.kind, 'network');
    // The backoff (100 ms doubling, capped at 5 s, half of it random) fits about 6 retries in 10 s;
    // the last wait that would end past the deadline is not slept, so the call ends a little before.
    assert.ok(ms <= 10_300, `ended after ${ms} ms`);
    assert.ok(ms >= 10_000 - 5_000, `gave up early: ${ms} ms`);
    assert.ok(events.length > 4, `more attempts than the former 3 retries: ${events.length}`);
    assert.equal(e.attempts, events.length);
    assertRetriedUntilTheEnd(events, 'info');
  });

  it('retries 503s from a proxy until the deadline, attempts numbered, waits reported', async () => {
    const events: AttemptEvent[] = [];
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      deadlineMs: 1_200,
      backoff: { initialMs: 40, maxMs: 160 },
      onAttempt: (e) => events.push(e),
    });
    proxy.faults.push(...Array.from({ length: 100 }, () => '503' as const));
    const before = proxy.count('info');
    const { error, ms } = await timedRejection(publisher.info());
    const e = publisherError(error);
    assert.equal(e.kind, 'http');
    assert.equal(e.status, 503);
    assert.ok(ms < 1_200 + 150, `ended after ${ms} ms`);
    assert.ok(ms > 1_200 - 160 - 150, `gave up early: ${ms} ms`);
    assert.equal(proxy.count('info') - before, events.length);
    assert.ok(events.length >= 6, `${events.length} attempts in 1.2 s`);
    assertRetriedUntilTheEnd(events, 'info');
    const waited = events.reduce((sum, event) => sum + event.durationMs + (event.nextDelayMs ?? 0), 0);
    assert.ok(waited <= 1_200 + 50, `attempts and waits add up to ${waited} ms`);
  });

  it('cuts an attempt’s timeout to the time left: a held answer fails at the deadline, not timeoutMs', async () => {
    const events: AttemptEvent[] = [];
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      timeoutMs: 5_000,
      deadlineMs: 700,
      onAttempt: (e) => events.push(e),
    });
    proxy.faults.push('hold');
    const { error, ms } = await timedRejection(publisher.info());
    const e = publisherError(error);
    assert.equal(e.kind, 'timeout');
    const cut = Number(/within (\d+) ms, the time left before the call's deadline/.exec(e.message)?.[1]);
    assert.ok(cut > 650 && cut <= 700, e.message);
    assert.ok(ms >= 650 && ms < 1_500, `ended after ${ms} ms`);
    assert.equal(events.length, 1, 'no time is left for a retry');
    assert.equal(events[0]!.nextDelayMs, undefined);
    assert.ok(events[0]!.remainingMs < 50);
  });

  it('a call that succeeds after retries reports error, error, ok; `retries` still caps the count', async () => {
    const events: AttemptEvent[] = [];
    const publisher = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      backoff: { initialMs: 10 },
      onAttempt: (e) => events.push(e),
    });
    proxy.faults.push('503', 'close');
    const info = await publisher.info();
    assert.equal(info.nodes.length, 1);
    assert.deepEqual(
      events.map((e) => [e.attempt, e.outcome, e.error?.kind, e.nextDelayMs !== undefined]),
      [
        [1, 'error', 'http', true],
        [2, 'error', 'network', true],
        [3, 'ok', undefined, false],
      ],
    );

    const capped = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      retries: 1,
      backoff: { initialMs: 10 },
    });
    proxy.faults.push('503', '503', '503');
    const e = publisherError((await timedRejection(capped.info())).error);
    assert.equal(e.attempts, 2);
    proxy.faults.length = 0;
  });

  it('batched publishes share one deadline and one attempt count; a partial answer is reported', async () => {
    // A real server whose first batch answer fails the first command with a temporary error.
    let requests = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests += 1;
        const first = requests === 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            replies: first
              ? [{ error: { code: 100, message: 'engine unavailable', temporary: true } }, { publish: {} }]
              : [{ publish: { offset: 7, epoch: 'e' } }],
          }),
        );
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const events: AttemptEvent[] = [];
    const publisher = new Publisher({
      url,
      apiKey: 'k',
      batch: { maxDelayMs: 5 },
      backoff: { initialMs: 20 },
      onAttempt: (e) => events.push(e),
    });
    const [a, b] = await Promise.all([
      publisher.publish({ channel: 'x', data: 1 }),
      publisher.publish({ channel: 'y', data: 2 }),
    ]);
    assert.deepEqual(a, { offset: 7, epoch: 'e' });
    assert.deepEqual(b, {});
    assert.deepEqual(
      events.map((e) => [e.method, e.attempt, e.outcome, e.error?.code]),
      [
        ['batch', 1, 'partial', 100],
        ['batch', 2, 'ok', undefined],
      ],
    );

    // Through the proxy, a group whose requests keep failing gives up at the deadline.
    const grouped = new Publisher({
      url: proxy.url,
      apiKey: TEST_API_KEY,
      deadlineMs: 600,
      backoff: { initialMs: 30, maxMs: 100 },
      batch: { maxDelayMs: 5 },
    });
    proxy.faults.push(...Array.from({ length: 100 }, () => '503' as const));
    const { error, ms } = await timedRejection(grouped.publish({ channel: 'x', data: 1 }));
    assert.equal(publisherError(error).status, 503, String(error));
    assert.ok(publisherError(error).attempts > 3);
    assert.ok(ms < 600 + 150, `ended after ${ms} ms`);
  });

  it('a hook that throws rejects the call with what it threw, batched calls included', async () => {
    const boom = new Error('hook failed');
    const hook = () => {
      throw boom;
    };
    const single = new Publisher({ url: proxy.url, apiKey: TEST_API_KEY, onAttempt: hook });
    assert.equal((await timedRejection(single.info())).error, boom);
    const batched = new Publisher({ url: proxy.url, apiKey: TEST_API_KEY, onAttempt: hook, batch: {} });
    const results = await Promise.allSettled([
      batched.publish({ channel: 'x', data: 1 }),
      batched.publish({ channel: 'y', data: 2 }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status === 'rejected' && r.reason === boom),
      [true, true],
    );
  });

  it('rejects bad options at construction, naming the option', () => {
    const base = { url: 'http://127.0.0.1:8000', apiKey: 'k' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ deadlineMs: 0 }, /option deadlineMs must be a positive number of milliseconds, got 0/],
      [{ deadlineMs: Number.NaN }, /option deadlineMs/],
      [{ timeoutMs: -5 }, /option timeoutMs must be a positive number/],
      [{ retries: 1.5 }, /option retries must be a whole number/],
      [{ backoff: { factor: 0.5 } }, /option backoff\.factor must be a number of at least 1/],
      [{ onAttempt: 'log' }, /option onAttempt must be a function/],
      [{ url: 'localhost:8000' }, /option url must be an http:\/\/ or https:\/\/ URL, got "localhost:8000"/],
      [{ apiKey: undefined }, /option apiKey must be a string/],
    ];
    for (const [change, message] of cases) {
      assert.throws(
        () => new Publisher({ ...base, ...change } as never),
        (e: unknown) => {
          assert.ok(e instanceof TypeError);
          assert.match(e.message, message);
          return true;
        },
      );
    }
    assert.doesNotThrow(
      () => new Publisher({ ...base, retries: Number.POSITIVE_INFINITY, deadlineMs: 60_000 }),
    );
  });
});
