/**
 * The centrifuge JS SDK in Node over `http_stream` alone (fetch streaming, later commands through
 * `POST /emulation`), in JSON and in Protobuf: connect with a token, subscribe with recovery, live
 * publications, presence and history from the client, a token refresh sent over emulation, and
 * recovery of what was missed across a server-API disconnect with a reconnect code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { collect, setup, sleep, token, waitFor } from '../../harness/index.js';
import { type Encoding, numbers, publish, range, streamClient, streamConfig } from './helpers.js';

const RECONNECT_CODE = 3100;
const SETTLE_MS = 300;

for (const encoding of ['json', 'protobuf'] as Encoding[]) {
  describe(`JS SDK over http_stream, ${encoding}`, { timeout: 60_000 }, () => {
    it('connects, subscribes, gets live publications, presence and history', async () => {
      await using t = setup();
      const node = await t.node(streamConfig);
      const user = `hs-${encoding}`;
      const client = t.defer(
        streamClient(node.baseUrl, ['http_stream'], encoding, { token: await token(user) }),
        (c) => c.disconnect(),
      );
      const transports: string[] = [];
      client.on('connected', (ctx) => transports.push(ctx.transport));
      const sub = client.newSubscription('chat:hs');
      const got = collect(sub);
      sub.subscribe();
      client.connect();
      await sub.ready(5000);
      assert.deepEqual(transports, ['http_stream']);
      assert.equal(node.app.node.emulation.size, 1, 'the node holds one emulated session');

      for (let n = 1; n <= 5; n++) assert.equal(await publish(node.baseUrl, 'chat:hs', n), n);
      await waitFor(() => got.length >= 5, 'five publications', 5000);
      assert.deepEqual(numbers(got), range(1, 5));
      assert.deepEqual(
        got.map((p) => p.offset),
        range(1, 5),
      );

      const presence = await sub.presence();
      const clients = Object.values(presence.clients);
      assert.equal(clients.length, 1);
      assert.equal(clients[0]?.user, user);
      const history = await sub.history({ limit: -1 });
      assert.equal(history.offset, 5);
      assert.deepEqual(numbers(history.publications as PublicationContext[]), range(1, 5));

      // A client-side publish is refused (no allow_publish): an error reply comes back on the stream.
      // Protobuf data is bytes (an object would go as no data at all, refused with 107 first).
      const data = encoding === 'protobuf' ? new TextEncoder().encode('{"n":0}') : { n: 0 };
      await assert.rejects(sub.publish(data), (error: { code?: number }) => error.code === 103);
      assert.equal(client.state, 'connected');
    });

    it('refreshes an expiring token over emulation and stays connected past the first expiry', async () => {
      await using t = setup();
      const node = await t.node(streamConfig);
      let calls = 0;
      const client = t.defer(
        streamClient(node.baseUrl, ['http_stream'], encoding, {
          token: await token('refresher', {}, 2),
          getToken: async () => {
            calls++;
            return token('refresher', {}, 3600);
          },
        }),
        (c) => c.disconnect(),
      );
      client.connect();
      await client.ready(5000);
      const disconnects: number[] = [];
      client.on('disconnected', (ctx) => disconnects.push(ctx.code));
      client.on('connecting', (ctx) => disconnects.push(ctx.code));
      await waitFor(() => calls >= 1, 'token refresh', 6000);
      // Past the first token's expiry: a refresh that never reached the session would disconnect (3005).
      await sleep(2500);
      assert.equal(client.state, 'connected');
      assert.deepEqual(disconnects, []);
      assert.equal(calls, 1);
    });

    it('answers server pings with pongs over emulation and stays connected while idle', async () => {
      await using t = setup();
      const node = await t.node({ ...streamConfig, client: { ping_interval: '1s', pong_timeout: '500ms' } });
      let emulationRequests = 0;
      const counting: typeof fetch = (input, init) => {
        if (String(input).endsWith('/emulation')) emulationRequests++;
        return fetch(input, init);
      };
      const client = t.defer(
        streamClient(node.baseUrl, ['http_stream'], encoding, {
          token: await token('idle'),
          fetch: counting,
        }),
        (c) => c.disconnect(),
      );
      client.connect();
      await client.ready(5000);
      const events: number[] = [];
      client.on('connecting', (ctx) => events.push(ctx.code));
      client.on('disconnected', (ctx) => events.push(ctx.code));
      // Three ping intervals: a pong that never reached the session would cut it (3012) after the first.
      await sleep(3500);
      assert.deepEqual(events, []);
      assert.equal(client.state, 'connected');
      assert.ok(emulationRequests >= 2, `pongs went through /emulation: ${emulationRequests} requests`);
    });

    it('recovers the publications missed across a server-API disconnect with code 3100, once and in order', async () => {
      await using t = setup();
      const node = await t.node(streamConfig);
      const user = `recover-${encoding}`;
      const client = t.defer(
        streamClient(node.baseUrl, ['http_stream'], encoding, {
          token: await token(user),
          // Long enough that every publication made while away is made before the client is back.
          minReconnectDelay: 1200,
          maxReconnectDelay: 1500,
        }),
        (c) => c.disconnect(),
      );
      const reconnects: number[] = [];
      client.on('connecting', (ctx) => reconnects.push(ctx.code));
      const sub = client.newSubscription('chat:recover');
      const got = collect(sub);
      const subscribed: { wasRecovering: boolean; recovered: boolean }[] = [];
      sub.on('subscribed', (ctx) =>
        subscribed.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }),
      );
      sub.subscribe();
      client.connect();
      await sub.ready(5000);
      for (let n = 1; n <= 3; n++) await publish(node.baseUrl, 'chat:recover', n);
      await waitFor(() => got.length >= 3, 'three publications', 5000);

      const res = await node.api('disconnect', {
        user,
        disconnect: { code: RECONNECT_CODE, reason: 'go away' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await waitFor(() => reconnects.includes(RECONNECT_CODE), 'the SDK saw the 3100 disconnect push', 5000);
      await waitFor(() => node.app.node.emulation.size === 0, 'the session is gone from the node', 3000);
      for (let n = 4; n <= 13; n++) await publish(node.baseUrl, 'chat:recover', n);
      assert.equal(
        subscribed.length,
        1,
        'back before the missed publications were made: raise minReconnectDelay',
      );

      await waitFor(() => subscribed.length === 2, 'resubscribed', 8000);
      assert.deepEqual(subscribed[1], { wasRecovering: true, recovered: true });
      for (let n = 14; n <= 15; n++) await publish(node.baseUrl, 'chat:recover', n);
      await waitFor(() => got.length >= 15, 'fifteen publications', 5000);
      await sleep(SETTLE_MS);
      assert.deepEqual(numbers(got), range(1, 15));
      assert.deepEqual(
        got.map((p) => p.offset),
        range(1, 15),
      );
      assert.equal(node.app.node.emulation.size, 1, 'one session again, the old one released');
    });
  });
}
