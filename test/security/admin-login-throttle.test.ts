/**
 * Password guessing at `POST /admin/auth`, over real HTTP: an address gets a few wrong guesses, then
 * HTTP 429 with Retry-After (and 429 even for the right password, so a throttled answer says nothing
 * about the guess); other addresses — the real admin — are not affected; guesses spread over many
 * addresses hit a global limit that only lasts a moment. The limiter's state stays bounded.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LoginThrottle, throttleKey } from '../../src/admin/login-throttle.js';
import { ADMIN_PASSWORD, adminConfig } from '../admin/helpers.js';
import { startTestNode, type TestNode } from '../harness/node.js';

interface Answer {
  status: number;
  retryAfter: string | undefined;
}

const agents = new Map<string, Agent>();

/** `POST /admin/auth` from a given local address (any of 127.0.0.0/8 reaches the node). */
function login(node: TestNode, password: string, from = '127.0.0.1'): Promise<Answer> {
  let agent = agents.get(from);
  if (agent === undefined) {
    agent = new Agent({ keepAlive: true, localAddress: from });
    agents.set(from, agent);
  }
  const body = JSON.stringify({ password });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: node.port,
        path: '/admin/auth',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('admin login throttle over HTTP', () => {
  let node: TestNode;
  // A node per test: the global budget one test spends is not another's.
  beforeEach(async () => {
    node = await startTestNode(adminConfig);
  });
  afterEach(async () => {
    for (const agent of agents.values()) agent.destroy();
    agents.clear();
    await node.stop();
  });

  it('an address gets five wrong guesses, then 429 with Retry-After, even for the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await login(node, `wrong-${i}`, '127.0.0.3')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    const throttled = await login(node, ADMIN_PASSWORD, '127.0.0.3');
    assert.equal(throttled.status, 429);
    const seconds = Number(throttled.retryAfter);
    assert.ok(
      Number.isInteger(seconds) && seconds >= 1 && seconds <= 60,
      `Retry-After: ${throttled.retryAfter}`,
    );
  });

  it('the real admin at another address logs in while one address is throttled', async () => {
    for (let i = 0; i < 10; i++) await login(node, `wrong-${i}`, '127.0.0.4');
    assert.equal((await login(node, 'wrong', '127.0.0.4')).status, 429);
    assert.equal((await login(node, ADMIN_PASSWORD, '127.0.0.5')).status, 200);
  });

  it('a correct login clears the address: its typos before do not count any more', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await login(node, 'typo', '127.0.0.6')).status, 401);
    assert.equal((await login(node, ADMIN_PASSWORD, '127.0.0.6')).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await login(node, 'typo', '127.0.0.6')).status, 401);
    assert.equal((await login(node, 'typo', '127.0.0.6')).status, 429);
  });

  it('one second of guessing from one address: at most five guesses are checked', async () => {
    const deadline = Date.now() + 1000;
    const counts = new Map<number, number>();
    while (Date.now() < deadline) {
      const { status } = await login(node, 'guess', '127.0.0.7');
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    assert.equal(counts.get(401), 5, `answers: ${JSON.stringify([...counts])}`);
    assert.ok((counts.get(429) ?? 0) > 50, `answers: ${JSON.stringify([...counts])}`);
    assert.equal(counts.get(200), undefined);
  });

  it('guesses spread over many addresses hit the global limit, which clears within seconds', async () => {
    const statuses: number[] = [];
    for (let host = 10; host < 30; host++) {
      for (let i = 0; i < 5; i++) statuses.push((await login(node, 'spray', `127.0.0.${host}`)).status);
    }
    const firstGlobal = statuses.indexOf(429);
    assert.ok(firstGlobal > 0, 'some guesses are checked, then the global limit answers 429');
    assert.ok(
      statuses.filter((s) => s === 401).length <= 35,
      `${statuses.filter((s) => s === 401).length} guesses checked`,
    );
    const fresh = await login(node, ADMIN_PASSWORD, '127.0.0.200');
    assert.equal(fresh.status, 429, 'the global limit applies to every address');
    const wait = Number(fresh.retryAfter);
    assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 2, `Retry-After: ${fresh.retryAfter}`);
    await new Promise((r) => setTimeout(r, wait * 1000 + 100));
    assert.equal((await login(node, ADMIN_PASSWORD, '127.0.0.200')).status, 200);
  });
});

describe('LoginThrottle', () => {
  function clock() {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  it('refills an address one attempt per interval, and a lockout never lasts longer than that', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now });
    for (let i = 0; i < 5; i++) assert.equal(throttle.attempt('10.0.0.1').allowed, true);
    const denied = throttle.attempt('10.0.0.1');
    assert.equal(denied.allowed, false);
    assert.ok(!denied.allowed && denied.retryAfterMs > 0 && denied.retryAfterMs <= 12_000);
    // An attacker hammering on does not extend it.
    for (let i = 0; i < 1000; i++) throttle.attempt('10.0.0.1');
    time.advance(12_000);
    assert.equal(throttle.attempt('10.0.0.1').allowed, true);
    assert.equal(throttle.attempt('10.0.0.1').allowed, false);
  });

  it('a globally refused attempt does not use up the address budget', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now, globalBurst: 3, perAddressBurst: 2 });
    for (let i = 0; i < 3; i++) assert.equal(throttle.attempt(`10.0.1.${i}`).allowed, true);
    for (let i = 0; i < 10; i++) {
      const refused = throttle.attempt('10.0.2.1');
      assert.ok(!refused.allowed && refused.scope === 'global' && refused.first === (i === 0));
    }
    time.advance(3000);
    assert.equal(throttle.attempt('10.0.2.1').allowed, true);
    assert.equal(throttle.attempt('10.0.2.1').allowed, true);
    const own = throttle.attempt('10.0.2.1');
    assert.ok(!own.allowed && own.scope === 'address');
  });

  it('keeps at most maxAddresses entries however many addresses guess', () => {
    const throttle = new LoginThrottle({ maxAddresses: 1000, globalBurst: 1e9 });
    for (let i = 0; i < 100_000; i++) throttle.attempt(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.ok(throttle.size <= 1000, `${throttle.size} entries`);
  });

  it('forgets an address once its budget has refilled', () => {
    const time = clock();
    const throttle = new LoginThrottle({ now: time.now });
    throttle.attempt('10.0.0.9');
    time.advance(12_000);
    throttle.attempt('10.0.0.10');
    assert.equal(throttle.size, 1);
  });

  it('groups IPv6 addresses by /64 and reads IPv4-mapped addresses as IPv4', () => {
    assert.equal(throttleKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(throttleKey('2001:db8:1:2:aaaa::1'), throttleKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    assert.notEqual(throttleKey('2001:db8:1:2::1'), throttleKey('2001:db8:1:3::1'));
    assert.equal(throttleKey('fe80::1%eth0'), throttleKey('fe80::2'));
    assert.equal(throttleKey(undefined), 'unknown');
  });
});
