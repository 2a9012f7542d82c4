/**
 * A node reaches Redis through a relay that cuts its connections and lets its pub/sub connection
 * back before its command connection. Publications made meanwhile on another node are missed, and
 * nothing published after them shows the gap; the position check run when the pub/sub
 * subscriptions are back cannot read the streams yet. It keeps trying, and once it reads them the
 * client is told to resubscribe and recovers what it missed, once and in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { collect, redisCommand, setup, sleep, token, waitFor } from '../harness/index.js';
import { startTcpRelay } from '../harness/tcp-relay.js';

const CHANNEL = 'feed:half';

describe('a node whose Redis pub/sub connection comes back before its command connection', () => {
  it('keeps checking stream positions until it can read them, and the client recovers what it missed', async () => {
    await using t = setup();
    const redis = await t.redis();
    const relay = t.defer(await startTcpRelay(redis.port), (r) => r.close());
    const namespaces = [{ name: 'feed', history_size: 100, history_ttl: '1h', force_recovery: true }];
    const engine = (address: string) => ({ redis: { address, command_timeout: '500ms' } });
    const behind = await t.node({
      engine: engine(`redis://127.0.0.1:${relay.port}`),
      channel: { namespaces },
      // Only the check after the outage may find the gap here, not the periodic one.
      client: { channel_position_check_delay: '1h' },
    });
    const publisher = await t.node({ engine: engine(redis.url), channel: { namespaces } });

    const client = t.sdk(behind.wsUrl, { token: await token('reader') });
    const sub = client.newSubscription(CHANNEL);
    const got: PublicationContext[] = collect(sub);
    const unsubscribed: number[] = [];
    sub.on('unsubscribed', (ctx) => unsubscribed.push(ctx.code));
    sub.on('subscribing', (ctx) => unsubscribed.push(ctx.code));
    sub.subscribe();
    client.connect();
    await sub.ready(5000);
    const publish = async (n: number): Promise<void> => {
      const res = await publisher.api('publish', { channel: CHANNEL, data: { n } });
      assert.ok(res.body['result'] !== undefined, `publish ${n}: ${JSON.stringify(res.body)}`);
    };
    await publish(0);
    await waitFor(() => got.length === 1, 'the first publication');

    relay.refuse('-command');
    relay.refuse('-subscriber');
    relay.cut();
    for (let n = 1; n <= 3; n++) await publish(n);
    relay.admit('-subscriber');
    // The pub/sub subscriptions are back; stream reads still fail, for a few retries.
    await waitFor(
      async () => String(await redisCommand(redis.port, ['CLIENT', 'LIST'])).includes('-subscriber'),
      'the subscriber connection back',
    );
    await sleep(1500);
    const refused = relay.refused;
    await waitFor(() => relay.refused > refused, 'command connections still refused');
    assert.equal(got.length, 1, 'nothing recovered while the streams cannot be read');
    relay.admit('-command');

    await waitFor(() => got.length >= 4, 'the three missed publications recovered', 15_000);
    await sleep(300);
    assert.deepEqual(
      got.map((p) => (p.data as { n: number }).n),
      [0, 1, 2, 3],
    );
    assert.ok(unsubscribed.includes(2500), `told to resubscribe with 2500 (got ${unsubscribed.join(',')})`);
  });
});
