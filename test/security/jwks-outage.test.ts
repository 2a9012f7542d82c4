/**
 * A JWKS endpoint that hangs, refuses connections or answers 503 is a temporary failure: clients
 * whose key is not cached get error 100 with `temporary: true` (never the final close 3500), the
 * official SDK keeps retrying on new sockets and connects once the endpoint is back, clients whose
 * key is cached keep connecting, and an outage costs the endpoint one fetch at a time, not one per
 * client.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import {
  connected,
  newClient,
  type RawClient,
  rawConnect,
  sleep,
  startTestNode,
  TEST_SECRET,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { TestJwks } from './jwks-server.js';

/** Short enough for a test: a hanging fetch gives up after 300 ms, keys are refreshed after 200 ms. */
const FAST = { jwks_timeout: '300ms', jwks_refresh_interval: '200ms' };
const OUTAGES = ['refuse', '503', 'hang'] as const;

interface Answer {
  /** `ok`, `error <code>` or `close <code>`. */
  outcome: string;
  temporary: boolean;
}

/** Sends a command and reports the reply (with its `temporary` flag) or the close that answered it. */
async function answer(
  client: RawClient,
  id: number,
  method: string,
  params: Record<string, unknown>,
): Promise<Answer> {
  const reply = client.call(id, method, params).then((r): Answer => {
    const error = r['error'] as { code?: number; temporary?: boolean } | undefined;
    if (error === undefined) return { outcome: 'ok', temporary: false };
    return { outcome: `error ${error.code}`, temporary: error.temporary === true };
  });
  const closed = client.closed.then(({ code }): Answer => ({ outcome: `close ${code}`, temporary: false }));
  return Promise.race([reply, closed]);
}

describe('JWKS outage', () => {
  const jwksServers: TestJwks[] = [];
  const nodes: TestNode[] = [];
  const clients: RawClient[] = [];
  const sdks: { disconnect(): void }[] = [];

  /** A JWKS endpoint and a node verifying connection tokens with it (and HS256 with the test secret). */
  async function setup(
    token: Record<string, unknown> = {},
    client: Record<string, unknown> = {},
  ): Promise<{ jwks: TestJwks; node: TestNode }> {
    const jwks = await TestJwks.start();
    jwksServers.push(jwks);
    const node = await startTestNode({
      client: {
        token: { hmac_secret_key: TEST_SECRET, jwks_public_endpoint: jwks.url, ...FAST, ...token },
        ...client,
      },
    });
    nodes.push(node);
    return { jwks, node };
  }

  async function raw(node: TestNode): Promise<RawClient> {
    const client = await rawConnect(node.wsUrl);
    clients.push(client);
    return client;
  }

  async function connectWith(node: TestNode, token: string): Promise<Answer> {
    return answer(await raw(node), 1, 'connect', { token });
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    for (const s of sdks.splice(0)) s.disconnect();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    await Promise.all(jwksServers.splice(0).map((j) => j.stop()));
  });
  after(async () => {
    await Promise.all(jwksServers.map((j) => j.stop()));
  });

  for (const outage of OUTAGES) {
    it(`no key cached, endpoint ${outage}: error 100 temporary, and a new socket connects once the endpoint is back`, async () => {
      const { jwks, node } = await setup();
      await jwks.set(outage);
      const token = await jwks.sign({ sub: 'alice' });
      const client = await raw(node);
      const started = Date.now();
      assert.deepEqual(await answer(client, 1, 'connect', { token }), {
        outcome: 'error 100',
        temporary: true,
      });
      // Bounded by jwks_timeout (300 ms), not by the endpoint.
      assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
      await jwks.set('up');
      // A fetch is not retried sooner than a second after the last one failed.
      await sleep(1100);
      // As in Centrifugo, a socket whose connect failed is not read again (the SDK opens a new one).
      const next = await raw(node);
      assert.deepEqual(await answer(next, 1, 'connect', { token }), { outcome: 'ok', temporary: false });
    });
  }

  it('the centrifuge SDK keeps retrying through an outage and connects once the endpoint is back', async () => {
    const { jwks, node } = await setup();
    await jwks.set('refuse');
    const sdk = newClient(node.wsUrl, { token: await jwks.sign({ sub: 'alice' }) });
    sdks.push(sdk);
    const disconnects: number[] = [];
    const errors: number[] = [];
    sdk.on('disconnected', (ctx) => disconnects.push(ctx.code));
    sdk.on('error', (ctx) => errors.push(ctx.error.code));
    sdk.connect();
    await waitFor(() => errors.filter((c) => c === 100).length >= 2 || disconnects.length > 0, 'two retries');
    assert.deepEqual(disconnects, [], 'the SDK was not told to stop');
    assert.equal(sdk.state, 'connecting');
    await jwks.set('up');
    await connected(sdk, 5000);
    assert.ok(
      errors.every((c) => c === 100),
      `connect errors: ${errors.join(',')}`,
    );
  });

  for (const outage of OUTAGES) {
    it(`a cached key keeps working past its refresh interval while the endpoint is ${outage}`, async () => {
      // A fetch deadline far above the bound below: a connect that waited for the refresh shows.
      const { jwks, node } = await setup({ jwks_timeout: '5s' });
      const token = await jwks.sign({ sub: 'alice' });
      assert.equal((await connectWith(node, token)).outcome, 'ok');
      await jwks.set(outage);
      await sleep(300); // past jwks_refresh_interval: the keys are stale now
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        assert.equal((await connectWith(node, token)).outcome, 'ok');
        // Stale keys are served at once; the refresh runs behind.
        assert.ok(Date.now() - started < 2500, `connect took ${Date.now() - started} ms`);
      }
      const sdk = newClient(node.wsUrl, { token });
      sdks.push(sdk);
      sdk.connect();
      await connected(sdk);
    });
  }

  it('many connects during an outage share one fetch at a time', async () => {
    const { jwks, node } = await setup();
    await jwks.set('hang');
    const token = await jwks.sign({ sub: 'alice' });
    const concurrent = await Promise.all(Array.from({ length: 30 }, () => connectWith(node, token)));
    assert.ok(concurrent.every((a) => a.outcome === 'error 100'));
    assert.equal(jwks.requests, 1, 'thirty concurrent connects, one fetch');

    await jwks.set('503');
    const before = jwks.requests;
    const started = Date.now();
    let connects = 0;
    while (Date.now() - started < 2500) {
      assert.equal((await connectWith(node, token)).outcome, 'error 100');
      connects++;
    }
    const seconds = (Date.now() - started) / 1000;
    const fetches = jwks.requests - before;
    // One fetch per second at most (the first one at once): not one per connect.
    assert.ok(
      fetches <= Math.ceil(seconds) + 1,
      `${fetches} fetches for ${connects} connects in ${seconds} s`,
    );
    assert.ok(connects > 10 * fetches, `${fetches} fetches for ${connects} connects`);
  });

  it('a rotated key is fetched when a token names it, and is temporary while the endpoint is down', async () => {
    const { jwks, node } = await setup();
    const client = await raw(node);
    assert.equal(
      (await answer(client, 1, 'connect', { token: await jwks.sign({ sub: 'alice' }) })).outcome,
      'ok',
    );
    await sleep(1100);
    await jwks.rotate('outage-rsa-2');
    await jwks.set('503');
    const rotated = await jwks.sign({ sub: 'alice' });
    assert.deepEqual(await answer(client, 2, 'refresh', { token: rotated }), {
      outcome: 'error 100',
      temporary: true,
    });
    await jwks.set('up');
    await sleep(1100);
    assert.equal((await answer(client, 3, 'refresh', { token: rotated })).outcome, 'ok');
    // A key that is in no version of the set is invalid, once the set is fetched again.
    await jwks.rotate('never-published', false);
    await sleep(1100);
    assert.equal(
      (await answer(client, 4, 'refresh', { token: await jwks.sign({ sub: 'alice' }) })).outcome,
      'close 3500',
    );
  });

  it('refresh of an HS256 connection with a JWKS token while the endpoint is down: error 100, then ok', async () => {
    const { jwks, node } = await setup();
    await jwks.set('refuse');
    const client = await raw(node);
    assert.equal((await answer(client, 1, 'connect', { token: await node.token('alice') })).outcome, 'ok');
    const token = await jwks.sign({ sub: 'alice' });
    assert.deepEqual(await answer(client, 2, 'refresh', { token }), {
      outcome: 'error 100',
      temporary: true,
    });
    await jwks.set('up');
    await sleep(1100);
    assert.equal((await answer(client, 3, 'refresh', { token })).outcome, 'ok');
  });

  it('subscription tokens: error 100 while the endpoint is down, and the SDK subscribes once it is back', async () => {
    const jwks = await TestJwks.start();
    jwksServers.push(jwks);
    const node = await startTestNode({
      client: {
        subscription_token: { enabled: true, jwks_public_endpoint: jwks.url, ...FAST },
        subscribe_to_user_personal_channel: { enabled: false },
      },
    });
    nodes.push(node);
    await jwks.set('503');
    const subToken = await jwks.sign({ sub: 'alice', channel: '$priv' });
    const client = await raw(node);
    assert.equal((await answer(client, 1, 'connect', { token: await node.token('alice') })).outcome, 'ok');
    assert.deepEqual(await answer(client, 2, 'subscribe', { channel: '$priv', token: subToken }), {
      outcome: 'error 100',
      temporary: true,
    });

    const sdk = newClient(node.wsUrl, { token: await node.token('alice') });
    sdks.push(sdk);
    const sub = sdk.newSubscription('$priv', { token: subToken });
    const errors: number[] = [];
    const unsubscribed: number[] = [];
    sub.on('error', (ctx) => errors.push(ctx.error.code));
    sub.on('unsubscribed', (ctx) => unsubscribed.push(ctx.code));
    sdk.connect();
    sub.subscribe();
    await waitFor(() => errors.length > 0 || unsubscribed.length > 0, 'a subscribe error');
    await jwks.set('up');
    await sub.ready(8000);
    assert.deepEqual(unsubscribed, []);
    assert.ok(
      errors.every((c) => c === 100),
      `subscribe errors: ${errors.join(',')}`,
    );
  });
});
