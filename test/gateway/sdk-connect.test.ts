import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { connected, newClient, waitFor } from '../harness/centrifuge-client.js';
import { startTestNode, type TestNode } from '../harness/node.js';

describe('connecting with the centrifuge SDK', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.stop());

  it('connects with a valid token and learns its client id', async () => {
    const client = newClient(node.wsUrl, { token: await node.token('42') });
    let clientId = '';
    client.on('connected', (ctx) => {
      clientId = ctx.client;
    });
    client.connect();
    await connected(client);
    assert.match(clientId, /^[0-9a-f-]{36}$/);
    const info = await node.api('info');
    const nodes = (info.body['result'] as { nodes: { num_clients: number; num_users: number }[] }).nodes;
    assert.equal(nodes[0]!.num_clients, 1);
    assert.equal(nodes[0]!.num_users, 1);
    client.disconnect();
  });

  it('is refused for good with 3500 when the token is signed with another key', async () => {
    const token = await signToken({ sub: '42' }, 'some-other-secret-0123456789abcdef');
    const client = newClient(node.wsUrl, { token });
    const codes: number[] = [];
    client.on('disconnected', (ctx) => codes.push(ctx.code));
    client.connect();
    await waitFor(() => codes.length > 0, 'disconnect');
    assert.deepEqual(codes, [3500]);
    assert.equal(client.state, 'disconnected');
  });

  it('asks for a new token on 109 (expired) and connects with the refreshed one', async () => {
    let calls = 0;
    const expired = await node.token('42', { exp: Math.floor(Date.now() / 1000) - 10 }, 0);
    const client = newClient(node.wsUrl, {
      token: expired,
      getToken: async () => {
        calls++;
        return node.token('42');
      },
    });
    const errors: number[] = [];
    client.on('error', (ctx) => errors.push(ctx.error.code));
    client.connect();
    await connected(client);
    assert.equal(calls, 1);
    assert.ok(errors.includes(109), `expected a 109 connect error, got ${errors.join(',')}`);
    client.disconnect();
  });

  it('refreshes the connection token before it expires', async () => {
    let calls = 0;
    const client = newClient(node.wsUrl, {
      token: await node.token('7', {}, 2),
      getToken: async () => {
        calls++;
        return node.token('7', {}, 3600);
      },
    });
    client.connect();
    await connected(client);
    // ttl 2s: the SDK refreshes about when it ends; the connection must survive it.
    await waitFor(() => calls >= 1, 'token refresh', 6000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(client.state, 'connected');
    client.disconnect();
  });
});
