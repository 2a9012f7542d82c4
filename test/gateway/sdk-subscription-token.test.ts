import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { collect, connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, TEST_SECRET, type TestNode } from '../harness/node.js';
import { rawConnect } from '../harness/raw-client.js';

describe('subscription tokens with the centrifuge SDK', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({
      client: { expired_close_delay: '1s' },
      channel: { namespaces: [{ name: 'chat' }] },
    });
  });
  after(() => node.stop());

  const subToken = (user: string, channel: string, ttl = 3600) =>
    signToken({ sub: user, channel }, TEST_SECRET, { expiresInSeconds: ttl });

  it('refuses a private channel without a token and grants it with one', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('42') });
    client.connect();
    await connected(client);
    const denied = client.newSubscription('$secret');
    const errors: number[] = [];
    denied.on('error', (ctx) => errors.push(ctx.error.code));
    const unsubscribed: number[] = [];
    denied.on('unsubscribed', (ctx) => unsubscribed.push(ctx.code));
    denied.subscribe();
    await waitFor(() => unsubscribed.length > 0 || errors.length > 0, 'refusal');
    assert.ok(
      errors.includes(103) || unsubscribed.includes(103),
      `expected 103, got ${errors} / ${unsubscribed}`,
    );
    client.removeSubscription(denied);

    const sub = client.newSubscription('$secret', { token: await subToken('42', '$secret') });
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    await node.api('publish', { channel: '$secret', data: { ok: true } });
    await waitFor(() => got.length === 1, 'publication');
    client.disconnect();
  });

  it("is disconnected for good (3500) by a token made for another user's channel, as in Centrifugo", async () => {
    const client = newClient(node.wsUrl, { token: await node.token('42') });
    const disconnected: number[] = [];
    client.on('disconnected', (ctx) => disconnected.push(ctx.code));
    client.connect();
    await connected(client);
    const sub = client.newSubscription('$other', { token: await subToken('43', '$other') });
    sub.subscribe();
    await waitFor(() => disconnected.length > 0, 'disconnect');
    assert.deepEqual(disconnected, [3500]);
    // 3500 is terminal: the SDK does not reconnect.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(client.state, 'disconnected');
  });

  it('treats $chat:x as private in namespace chat, and chat:$x as an ordinary chat channel', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('42') });
    client.connect();
    await connected(client);
    const denied = client.newSubscription('$chat:x');
    const codes: number[] = [];
    denied.on('unsubscribed', (ctx) => codes.push(ctx.code));
    denied.subscribe();
    await waitFor(() => codes.length > 0, 'refusal');
    assert.deepEqual(codes, [103]);
    client.removeSubscription(denied);

    const granted = client.newSubscription('$chat:x', { token: await subToken('42', '$chat:x') });
    granted.subscribe();
    await granted.ready(3000);
    const open = client.newSubscription('chat:$x');
    const got = collect(open);
    open.subscribe();
    await open.ready(3000);
    await node.api('publish', { channel: 'chat:$x', data: { n: 1 } });
    await waitFor(() => got.length === 1, 'publication in chat:$x');
    client.disconnect();
  });

  it('refreshes an expiring subscription token and keeps receiving', async () => {
    let refreshes = 0;
    const client = newClient(node.wsUrl, { token: await node.token('42') });
    const sub = client.newSubscription('$live', {
      token: await subToken('42', '$live', 2),
      getToken: async () => {
        refreshes++;
        return subToken('42', '$live', 3600);
      },
    });
    const got = collect(sub);
    sub.subscribe();
    client.connect();
    await sub.ready(3000);
    await waitFor(() => refreshes >= 1, 'subscription token refresh', 6000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sub.state, 'subscribed');
    await node.api('publish', { channel: '$live', data: { n: 1 } });
    await waitFor(() => got.length === 1, 'publication after refresh');
    client.disconnect();
  });

  it('unsubscribes with 2501 when a subscription token expires unrefreshed', async () => {
    // A raw client: the SDK would refresh the token itself.
    const raw = await rawConnect(node.wsUrl);
    await raw.call(1, 'connect', { token: await node.token('42') });
    const reply = await raw.call(2, 'subscribe', {
      channel: '$short',
      token: await subToken('42', '$short', 2),
    });
    assert.equal((reply['subscribe'] as { expires?: boolean }).expires, true);
    const unsubscribed = () =>
      raw.received.some((m) => {
        const push = m['push'] as { channel?: string; unsubscribe?: { code: number } } | undefined;
        return push?.channel === '$short' && push.unsubscribe?.code === 2501;
      });
    await waitFor(unsubscribed, 'expiry unsubscribe', 8000);
    const info = await node.api('channels');
    assert.equal(
      (info.body['result'] as { channels: Record<string, unknown> }).channels['$short'],
      undefined,
    );
    raw.close();
  });
});
