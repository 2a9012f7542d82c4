/**
 * `examples/nestjs/gateway-main.ts` as its own process, the way a user runs it: a NestJS app with
 * a node under `/realtime`. The SDK connects through the app's port; `POST /announcements` (a
 * controller publishing in process) and the server API under the prefix both reach it; a bad body
 * is refused with 400; SIGTERM drains the node (the client is told to reconnect, 3001).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import { type RunningExample, startExample } from '../examples/run-example.js';
import { collect, newClient, TEST_API_KEY, TEST_SECRET, token, waitFor } from '../harness/index.js';
import { callApi } from './helpers.js';

describe('examples/nestjs gateway (SwitchboardGatewayModule)', { timeout: 90_000 }, () => {
  let example: RunningExample;
  let client: Centrifuge | undefined;

  before(async () => {
    example = await startExample(
      'examples/nestjs/gateway-main.ts',
      { SWITCHBOARD_TOKEN_HMAC_SECRET: TEST_SECRET, SWITCHBOARD_API_KEY: TEST_API_KEY },
      'examples/nestjs/tsconfig.json',
    );
  });
  after(async () => {
    client?.disconnect();
    await example?.stop();
  });

  it('delivers announcements and server API publications through the app port; SIGTERM drains', async () => {
    client = newClient(`${example.url.replace(/^http/, 'ws')}/realtime/connection/websocket`, {
      token: await token('reader'),
    });
    const sub = client.newSubscription('announcements');
    const got = collect(sub);
    sub.subscribe();
    client.connect();
    await sub.ready(10_000);
    const status = await fetch(`${example.url}/announcements/status`);
    assert.deepEqual(await status.json(), { clients: 1 }, example.output());

    const announced = await fetch(`${example.url}/announcements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'doors open at nine' }),
    });
    assert.equal(announced.status, 201);
    assert.deepEqual(await announced.json(), { text: 'doors open at nine' });
    const refused = await fetch(`${example.url}/announcements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":""}',
    });
    assert.equal(refused.status, 400);
    const published = await callApi(`${example.url}/realtime`, 'publish', {
      channel: 'announcements',
      data: { text: 'through the server API' },
    });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    await waitFor(() => got.length === 2, 'both publications', 5000);
    assert.deepEqual(
      got.map((p) => p.data),
      [{ text: 'doors open at nine' }, { text: 'through the server API' }],
    );

    const codes: number[] = [];
    client.on('connecting', (ctx) => codes.push(ctx.code));
    await example.stop();
    await waitFor(() => codes.length > 0, 'the client told to reconnect', 5000);
    assert.equal(codes[0], 3001);
  });
});
