/**
 * The nats_jetstream consumer against a real nats-server and two node processes on one Redis:
 * commands published into a stream reach clients on both nodes exactly once and in order, both
 * nodes take a share, and poison messages end in the dead-letter stream (terminated in the
 * source, with JetStream's MSG_TERMINATED advisory) without holding up the good ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { clientOn } from '../cluster/helpers.js';
import {
  collect,
  type NodeProcess,
  type RedisServer,
  startNodeProcess,
  startRedis,
  waitFor,
} from '../harness/index.js';
import {
  consumerCount,
  consumerState,
  createStream,
  type JetStreamHandle,
  jetStreamClient,
  type NatsServer,
  natsNodeConfig,
  publishCommand,
  publishStored,
  startNats,
  storedMessages,
  TEST_DURABLE,
  TEST_STREAM,
} from '../harness/nats.js';

const numbers = (got: PublicationContext[]): number[] => got.map((p) => (p.data as { n: number }).n);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('nats_jetstream consumer on two nodes', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let client: JetStreamHandle;
  const nodes: NodeProcess[] = [];
  const clients: Centrifuge[] = [];
  const got: Record<'a' | 'b', PublicationContext[][]> = { a: [], b: [] };

  before(async () => {
    redis = await startRedis();
    nats = await startNats();
    client = await jetStreamClient(nats.url);
    await createStream(client.jsm, TEST_STREAM, ['events.>']);
    const config = natsNodeConfig(redis.url, nats.url);
    nodes.push(...(await Promise.all([startNodeProcess('n1', config), startNodeProcess('n2', config)])));
    const urls = nodes.map((n) => n.wsUrl);
    for (let i = 0; i < 4; i++) {
      const c = await clientOn(urls, `u${i}`, i);
      clients.push(c);
      for (const ch of ['a', 'b'] as const) {
        const sub = c.newSubscription(`room:${ch}`);
        got[ch].push(collect(sub));
        sub.subscribe();
      }
      c.connect();
    }
    await Promise.all(clients.map((c) => c.ready(10_000)));
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => fetch(`${n.baseUrl}/ready`)))).every((r) => r.ok),
      'both nodes ready (consumers connected)',
      20_000,
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await client?.close().catch(() => {});
    await nats?.stop();
    await redis?.stop();
  });

  it('delivers every message exactly once and in order to clients on both nodes, shared by the nodes', async () => {
    const total = 300;
    for (const n of range(total)) await publishStored(client.js, 'events.a', publishCommand('room:a', { n }));
    await waitFor(() => got.a.every((g) => g.length >= total), 'every client has all 300', 60_000);
    await waitFor(async () => (await consumerState(client.jsm, TEST_STREAM, TEST_DURABLE)).ackPending === 0);
    for (const [i, g] of got.a.entries()) assert.deepEqual(numbers(g), range(total), `client ${i}`);
    const applied = await Promise.all(nodes.map((n) => consumerCount(n.baseUrl, 'applied')));
    assert.equal(applied[0]! + applied[1]!, total, `applied per node: ${applied.join(', ')}`);
    assert.ok(
      applied.every((a) => a > 0),
      `both nodes consumed: ${applied.join(', ')}`,
    );
  });

  it('sends poison messages to the dead-letter stream and terminates them; the good ones arrive in order', async () => {
    const terminated: number[] = [];
    const advisory = client.nc.subscribe(
      `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${TEST_STREAM}.${TEST_DURABLE}`,
      {
        callback: (_e, m) => {
          terminated.push((m.json() as { stream_seq: number }).stream_seq);
        },
      },
    );
    await client.nc.flush();
    const poison = [
      'not json {',
      JSON.stringify({ method: 'frobnicate', payload: {} }),
      publishCommand('nowhere:x', { n: -1 }),
      JSON.stringify({ method: 'publish' }),
      publishCommand('room:b', undefined),
    ];
    const poisonSeqs: number[] = [];
    let n = 0;
    for (let i = 0; i < 25; i++) {
      if (i % 5 === 2) poisonSeqs.push(await publishStored(client.js, 'events.b', poison[(i - 2) / 5]!));
      else await publishStored(client.js, 'events.b', publishCommand('room:b', { n: n++ }));
    }
    // The method header form: the body is the payload; a body that is no JSON object is poison too.
    poisonSeqs.push(
      await publishStored(client.js, 'events.b', '[1, 2]', {
        headerValues: { 'centrifugo-method': 'publish' },
      }),
    );
    await publishStored(client.js, 'events.b', JSON.stringify({ channel: 'room:b', data: { n: n++ } }), {
      headerValues: { 'centrifugo-method': 'publish' },
    });

    await waitFor(() => got.b.every((g) => g.length >= n), `every client has all ${n} good ones`, 30_000);
    await waitFor(async () => (await storedMessages(client.jsm, `${TEST_STREAM}_dead_letter`)).length >= 6);
    await waitFor(() => terminated.length >= poisonSeqs.length, 'a MSG_TERMINATED advisory for each poison');
    await waitFor(async () => {
      const s = await consumerState(client.jsm, TEST_STREAM, TEST_DURABLE);
      return s.pending === 0 && s.ackPending === 0;
    }, 'nothing pending in the source consumer');
    advisory.unsubscribe();

    for (const [i, g] of got.b.entries()) assert.deepEqual(numbers(g), range(n), `client ${i}`);
    const dead = await storedMessages(client.jsm, `${TEST_STREAM}_dead_letter`);
    assert.equal(dead.length, poisonSeqs.length, 'exactly the poison messages, once each');
    assert.deepEqual(
      dead.map((d) => Number(d.header.get('Switchboard-Dead-Letter-Sequence'))),
      poisonSeqs,
      'each dead letter names its source sequence',
    );
    assert.deepEqual(
      dead.map((d) => d.string()),
      [...poison, '[1, 2]'],
      'the original bodies',
    );
    for (const d of dead) {
      assert.equal(d.subject, `dead_letter.${TEST_STREAM}.${TEST_DURABLE}`);
      assert.equal(d.header.get('Switchboard-Dead-Letter-Subject'), 'events.b');
      assert.notEqual(d.header.get('Switchboard-Dead-Letter-Reason'), '');
    }
    assert.equal(dead.at(-1)?.header.get('centrifugo-method'), 'publish', 'original headers kept');
    assert.deepEqual(
      [...terminated].sort((x, y) => x - y),
      poisonSeqs,
    );
    const deadCounted = await Promise.all(nodes.map((node) => consumerCount(node.baseUrl, 'dead_lettered')));
    assert.equal(deadCounted[0]! + deadCounted[1]!, poisonSeqs.length, 'dead_lettered metric');
  });
});
