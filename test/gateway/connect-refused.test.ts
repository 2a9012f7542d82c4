/**
 * How `connect` is refused, over real sockets and with the centrifuge SDK, matching Centrifugo
 * v6.9.1: no token closes 3501; a token not valid yet (`nbf`) is error 109 like an expired one; a
 * `channels` claim in an unknown namespace is error 102, more channels than `client.channel_limit`
 * close 3505; and after any connect error the socket is not read again, and is dropped without a
 * close frame 5 s later, or when stale_close_delay ends first (Centrifugo closes it with 3502 then,
 * a terminal code: a documented difference).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { type RawClient, rawConnect } from '../harness/raw-client.js';
import { TestJwks } from '../security/jwks-server.js';
import { connectOutcome } from '../security/outcome.js';

const now = (): number => Math.floor(Date.now() / 1000);

describe('connect refusals', () => {
  let node: TestNode;
  /** stale_close_delay 1 s: the stale close comes before the 5 s drop. */
  let quick: TestNode;
  const open: RawClient[] = [];

  before(async () => {
    node = await startTestNode({
      client: { channel_limit: 2 },
      channel: { namespaces: [{ name: 'chat' }] },
    });
    quick = await startTestNode({ client: { stale_close_delay: '1s' } });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await Promise.all([node.stop(), quick.stop()]);
  });

  async function outcome(target: TestNode, token: string | undefined): Promise<[string, RawClient]> {
    const { outcome, client } = await connectOutcome(target.wsUrl, token);
    open.push(client);
    return [outcome, client];
  }

  it('closes a connect without a token with 3501 (bad request)', async () => {
    const client = await rawConnect(node.wsUrl);
    open.push(client);
    client.send(JSON.stringify({ id: 1, connect: {} }));
    const closed = await client.closed;
    assert.equal(closed.code, 3501);
    assert.match(closed.reason, /^bad request/);
    assert.deepEqual(client.received, [], 'no error reply before the close');
  });

  it('answers a token whose nbf is ahead with 109, as for an expired one', async () => {
    assert.equal((await outcome(node, await node.token('a', { nbf: now() + 600 })))[0], 'error 109');
  });

  it('answers a channels claim naming an unknown namespace with 102 and subscribes nothing', async () => {
    const token = await node.token('a', { channels: ['chat:x', 'nope:y'] });
    assert.equal((await outcome(node, token))[0], 'error 102');
    assert.equal(node.app.node.hub.numSubscriptions, 0);
  });

  it('closes with 3505 when the token asks for more server-side channels than channel_limit', async () => {
    // chat:a, chat:b and the personal channel #a: three channels over a limit of two.
    assert.equal(
      (await outcome(node, await node.token('a', { channels: ['chat:a', 'chat:b'] })))[0],
      'close 3505',
    );
    assert.equal((await outcome(node, await node.token('a', { channels: ['chat:a'] })))[0], 'ok');
  });

  it('does not read a socket again after a connect error, and drops it 5 s later without a close frame', async () => {
    const [first, client] = await outcome(node, await node.token('a', {}, -60));
    assert.equal(first, 'error 109');
    const refusedAt = Date.now();
    client.send(JSON.stringify({ id: 2, connect: { token: await node.token('a') } }));
    client.send(JSON.stringify({ id: 3, ping: {} }));
    const closed = await client.closed;
    const after = Date.now() - refusedAt;
    assert.equal(closed.code, 1006, 'dropped, no close frame');
    assert.ok(after > 4000 && after < 8000, `dropped after ${after} ms`);
    assert.equal(client.received.length, 1, 'nothing answered after the refusal');
  });

  it('drops a refused socket without a terminal code when stale_close_delay ends before the 5 s', async () => {
    const [first, client] = await outcome(quick, await quick.token('a', {}, -60));
    assert.equal(first, 'error 109');
    const refusedAt = Date.now();
    const closed = await client.closed;
    const after = Date.now() - refusedAt;
    assert.equal(closed.code, 1006, 'dropped without a close frame, not closed as stale (3502)');
    assert.ok(after < 3000, `dropped after ${after} ms, at the stale deadline`);
  });

  it('drops a socket refused after its stale deadline (a slow key fetch) without a terminal code', async () => {
    // The connect arrives at once; its key fetch hangs past stale_close_delay and fails: error 100.
    const jwks = await TestJwks.start();
    await jwks.set('hang');
    const slow = await startTestNode({
      client: {
        stale_close_delay: '300ms',
        token: { jwks_public_endpoint: jwks.url, jwks_timeout: '900ms' },
      },
    });
    try {
      const { outcome, client } = await connectOutcome(slow.wsUrl, await jwks.sign({ sub: 'a' }));
      open.push(client);
      assert.equal(outcome, 'error 100');
      const closed = await client.closed;
      assert.equal(closed.code, 1006, 'dropped without a close frame, not closed as stale (3502)');
    } finally {
      await slow.stop();
      await jwks.stop();
    }
  });

  it('the SDK stops on 3501 without a token and does not reconnect', async () => {
    const client = newClient(node.wsUrl);
    const disconnected: number[] = [];
    client.on('disconnected', (ctx) => disconnected.push(ctx.code));
    client.connect();
    await waitFor(() => disconnected.length > 0, 'disconnect');
    await new Promise((r) => setTimeout(r, 400)); // past maxReconnectDelay: no retry
    assert.deepEqual(disconnected, [3501]);
    assert.equal(client.state, 'disconnected');
  });

  it('the SDK fetches a new token after 109 for a token not valid yet, and connects on a new socket', async () => {
    let calls = 0;
    const client = newClient(node.wsUrl, {
      token: await node.token('a', { nbf: now() + 600 }),
      getToken: async () => {
        calls++;
        return node.token('a');
      },
    });
    const errors: number[] = [];
    client.on('error', (ctx) => errors.push(ctx.error.code));
    client.connect();
    await connected(client);
    assert.equal(calls, 1);
    assert.deepEqual(errors, [109]);
    client.disconnect();
  });

  it('the SDK is stopped by 102 for a channels claim in an unknown namespace', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('a', { channels: ['nope:x'] }) });
    const disconnected: number[] = [];
    client.on('disconnected', (ctx) => disconnected.push(ctx.code));
    client.connect();
    await waitFor(() => disconnected.length > 0, 'disconnect');
    assert.deepEqual(disconnected, [102]);
    assert.equal(client.state, 'disconnected');
  });
});
