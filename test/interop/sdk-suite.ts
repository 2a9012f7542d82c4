/**
 * The interop scenarios, written once and run by `go-sdk.test.ts`, `python-sdk.test.ts` and
 * `java-sdk.test.ts` against their SDK in every protocol of {@link ENCODINGS} it speaks
 * ({@link SDK_ENCODINGS}): an official client program (see `harness.ts`)
 * talks to a real node started here, the test publishes through the server API and reads what the
 * SDK reported.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisconnectCode } from '../../src/protocol/codes.js';
import { setup, sleep, type TestNode, type TestScope, token } from '../harness/index.js';
import {
  ENCODINGS,
  type InteropClient,
  type InteropOptions,
  SDK_ENCODINGS,
  type Sdk,
  startInteropClient,
} from './harness.js';

/** A namespace with a recoverable stream, presence, and history and presence for its subscribers. */
const chat = {
  name: 'chat',
  history_size: 100,
  history_ttl: '300s',
  force_recovery: true,
  presence: true,
  allow_presence_for_subscriber: true,
  allow_history_for_subscriber: true,
};
const NODE_CONFIG = { channel: { namespaces: [chat] } };

/** How long to wait before asserting that nothing more (a duplicate) arrived. */
const SETTLE_MS = 300;
/** A reconnect code of our own (3000-3499 reconnect); the server API passes it through. */
const CUSTOM_RECONNECT_CODE = 3100;

/** What publication `n` carries: non-ASCII text too, so both protocols' UTF-8 handling is seen. */
const message = (n: number) => ({ n, text: `nº ${n} ✓` });

async function publish(node: TestNode, channel: string, n: number): Promise<number> {
  const res = await node.api('publish', { channel, data: message(n) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body['result'] as { offset: number }).offset;
}

/** The channel's publications as the SDK delivered them: offset and data, in order. */
function received(client: InteropClient, channel: string) {
  return client
    .all('publication')
    .filter((p) => p.channel === channel)
    .map((p) => ({ offset: p.offset, data: p.data }));
}

/** Publications 1..count as they must arrive: each once, in order, with offsets 1..count. */
function expected(count: number) {
  return Array.from({ length: count }, (_, i) => ({ offset: i + 1, data: message(i + 1) }));
}

/** No error event: an SDK that reports one met something it did not expect from the server. */
function assertNoErrors(client: InteropClient): void {
  assert.deepEqual(client.all('error'), [], `${client.sdk} reported errors`);
}

/** Registers the scenarios for one SDK, once per protocol it speaks. */
export function sdkSuite(sdk: Sdk): void {
  async function start(
    t: TestScope,
    node: TestNode,
    user: string,
    options: Partial<InteropOptions> = {},
  ): Promise<InteropClient> {
    const client = await startInteropClient(sdk, {
      url: node.wsUrl,
      token: await token(user),
      encoding: 'json',
      ...options,
    });
    return t.defer(client, (c) => c.close());
  }

  for (const encoding of ENCODINGS.filter((e) => SDK_ENCODINGS[sdk].includes(e))) {
    describe(`centrifuge-${sdk} SDK, ${encoding} protocol`, () => {
      it('connects with a token, subscribes, gets live publications; presence and history answer', async () => {
        await using t = setup();
        const node = await t.node(NODE_CONFIG);
        const channel = 'chat:live';
        const user = `${sdk}-${encoding}-a`;
        const client = await start(t, node, user, { channel, encoding });
        const started = await client.next('started');
        assert.equal(started.encoding, encoding);
        const connected = await client.next('connected');
        const subscribed = await client.next('subscribed');
        assert.equal(subscribed.wasRecovering, false);
        assert.equal(subscribed.recovered, false);
        assert.equal(subscribed.recoverable, true, 'force_recovery makes the subscription recoverable');
        assert.equal(subscribed.offset, 0);
        assert.ok(subscribed.epoch, 'a recoverable subscription has an epoch');

        // A second connection of another user in the channel, so presence has two entries to list.
        const other = await start(t, node, `${sdk}-${encoding}-b`, { channel, encoding });
        const otherConnected = await other.next('connected');
        await other.next('subscribed');

        for (let n = 1; n <= 3; n++) assert.equal(await publish(node, channel, n), n);
        await client.until(() => received(client, channel).length === 3, 'three publications');
        await other.until(() => received(other, channel).length === 3, 'three publications');

        const presence = await client.request('presence', 'presence');
        const clients = [
          { client: connected.client, user },
          { client: otherConnected.client, user: `${sdk}-${encoding}-b` },
        ].sort((x, y) => (x.client < y.client ? -1 : 1));
        assert.deepEqual(presence.clients, clients);

        const history = await client.request('history', 'history');
        assert.equal(history.offset, 3);
        assert.equal(history.epoch, subscribed.epoch);
        assert.deepEqual(history.publications, expected(3));
        const latest = await client.request('history chat:live 1', 'history');
        assert.deepEqual(latest.publications, expected(3).slice(0, 1), 'limit 1 is the oldest page');

        await sleep(SETTLE_MS);
        assert.deepEqual(received(client, channel), expected(3));
        assertNoErrors(client);
        assertNoErrors(other);
      });

      it('recovers what it missed during a server-initiated reconnect, exactly once and in order', async () => {
        await using t = setup();
        const node = await t.node(NODE_CONFIG);
        const channel = 'chat:recover';
        const user = `${sdk}-${encoding}-r`;
        // Long enough that all the publications below are made while the client is away.
        const client = await start(t, node, user, { channel, encoding, minReconnectDelayMs: 1500 });
        await client.next('subscribed');
        for (let n = 1; n <= 3; n++) await publish(node, channel, n);
        await client.until(() => received(client, channel).length === 3, 'live publications');

        const away = client.events.length;
        const res = await node.api('disconnect', {
          user,
          disconnect: { code: CUSTOM_RECONNECT_CODE, reason: 'interop reconnect' },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await client.next('connecting', { from: away, where: (e) => e.code === CUSTOM_RECONNECT_CODE });
        for (let n = 4; n <= 13; n++) await publish(node, channel, n);
        assert.equal(
          client.all('connected').length,
          1,
          'the client came back before the missed publications were made: raise minReconnectDelayMs',
        );

        const resubscribed = await client.next('subscribed', { from: away, timeoutMs: 10_000 });
        assert.equal(resubscribed.wasRecovering, true);
        assert.equal(resubscribed.recovered, true);
        await client.until(() => received(client, channel).length >= 13, 'recovered publications');
        for (let n = 14; n <= 15; n++) await publish(node, channel, n);
        await client.until(() => received(client, channel).length >= 15, 'live publications after recovery');

        await sleep(SETTLE_MS);
        assert.deepEqual(received(client, channel), expected(15));
        assert.equal(client.all('connected').length, 2);
        assert.equal(client.all('disconnected').length, 0, 'a reconnect code never disconnects for good');
        assertNoErrors(client);
      });

      it('gets every publication once and in order while a publisher runs through a reconnect', async () => {
        await using t = setup();
        const node = await t.node(NODE_CONFIG);
        const channel = 'chat:race';
        const user = `${sdk}-${encoding}-p`;
        const client = await start(t, node, user, { channel, encoding });
        await client.next('subscribed');

        const away = client.events.length;
        const total = 80;
        for (let n = 1; n <= total; n++) {
          await publish(node, channel, n);
          if (n === 20) {
            const res = await node.api('disconnect', {
              user,
              disconnect: { code: DisconnectCode.ForceReconnect },
            });
            assert.equal(res.status, 200, JSON.stringify(res.body));
          }
          // Spread over ~0.5 s, so the SDK's reconnect (0.1-0.4 s) and its recovering subscribe
          // happen while publications are still being made.
          await sleep(5);
        }
        await client.until(() => received(client, channel).length >= total, `${total} publications`, 10_000);

        await sleep(SETTLE_MS);
        assert.deepEqual(received(client, channel), expected(total));
        await client.next('connecting', {
          from: away,
          where: (e) => e.code === DisconnectCode.ForceReconnect,
        });
        const subscribed = client.all('subscribed');
        assert.equal(subscribed.length, 2);
        assert.equal(subscribed[1]!.wasRecovering, true);
        assert.equal(subscribed[1]!.recovered, true);
        assertNoErrors(client);
      });
    });
  }
}
