/**
 * Broker conformance for publication versions (`Publication.version`, `PublishOptions.versionEpoch`): with
 * history, a publish whose version is not above the stream's last accepted one (in the same epoch,
 * or with no epoch given) is dropped and answered with the stream's top, as Centrifugo's brokers do.
 * Run inside the Broker suite, so every engine is checked.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { EngineArgumentError } from '../../src/engine/errors.js';
import type { Engine, HistoryOptions, PublishResult } from '../../src/engine/types.js';
import { sleep } from '../harness/index.js';
import { createCluster, type EngineFactory } from './engine-factory.js';
import { EventRecorder, numbered } from './event-recorder.js';
import { settle, uniqueChannel } from './helpers.js';

const HISTORY: HistoryOptions = { size: 100, ttlMs: 60_000, metaTtlMs: 600_000 };

/** `[offset, suppressed]` of each result, for compact assertions. */
function outcomes(results: PublishResult[]): [number | undefined, boolean][] {
  return results.map((r) => [r.position?.offset, r.suppressed]);
}

/** Publishes `{"n":n}` for each `[n, version, versionEpoch?]` in turn, with history. */
async function publishAll(
  engine: Engine,
  channel: string,
  items: [number, number, string?][],
  history: HistoryOptions = HISTORY,
): Promise<PublishResult[]> {
  const results = [];
  for (const [n, version, versionEpoch] of items) {
    const pub = version > 0 ? numbered(n, { version }) : numbered(n);
    results.push(await engine.broker.publish(channel, pub, { history, versionEpoch }));
  }
  return results;
}

/** The version cases; called inside the Broker suite's `describe`. */
export function versionCases(factory: EngineFactory): void {
  it('versions: drops a publish not above the last version, answering the stream top', async () => {
    const [a, b] = await createCluster(factory, 2);
    const ra = await EventRecorder.start(a.broker);
    const channel = uniqueChannel('version');
    await a.broker.subscribe([channel]);
    // Through two nodes: the version lives with the stream, not in a node.
    const results = [
      ...(await publishAll(a, channel, [
        [1, 1],
        [2, 3],
      ])),
      ...(await publishAll(b, channel, [
        [3, 2],
        [4, 3],
        [5, 4],
      ])),
    ];
    assert.deepEqual(outcomes(results), [
      [1, false],
      [2, false],
      [2, true],
      [2, true],
      [3, false],
    ]);
    const epoch = results[0]!.position!.epoch;
    assert.ok(results.every((r) => r.position?.epoch === epoch));
    await ra.waitForPublications(channel, 3);
    await settle();
    // The version travels with the publication, to subscribers and into history.
    assert.deepEqual(
      ra.publications(channel).map((e) => [e.pub.data, e.pub.version]),
      [
        ['{"n":1}', 1],
        ['{"n":2}', 3],
        ['{"n":5}', 4],
      ],
    );
    const history = await b.history.history(channel, { limit: -1 }, HISTORY.metaTtlMs);
    assert.deepEqual(
      history.publications.map((p) => [p.data, p.offset, p.version]),
      [
        ['{"n":1}', 1, 1],
        ['{"n":2}', 2, 3],
        ['{"n":5}', 3, 4],
      ],
    );
  });

  it('versions: another epoch is accepted, an empty epoch compares with any stored one', async () => {
    const [a] = await createCluster(factory, 1);
    const channel = uniqueChannel('version-epoch');
    const results = await publishAll(a, channel, [
      [1, 5, 'a'],
      [2, 1, 'b'], // a new epoch: counting starts over
      [3, 1, 'b'],
      [4, 1, ''], // no epoch: compared with version 1 of epoch b
      [5, 2, ''], // accepted; the stored epoch becomes empty
      [6, 2, 'b'], // not the stored (empty) epoch: accepted
      [7, 2, 'b'],
    ]);
    assert.deepEqual(outcomes(results), [
      [1, false],
      [2, false],
      [2, true],
      [2, true],
      [3, false],
      [4, false],
      [4, true],
    ]);
  });

  it('versions: a publish without a version is delivered and keeps the last version', async () => {
    const [a] = await createCluster(factory, 1);
    const channel = uniqueChannel('version-unversioned');
    const results = await publishAll(a, channel, [
      [1, 5],
      [2, 0],
      [3, 4],
      [4, 6],
    ]);
    assert.deepEqual(outcomes(results), [
      [1, false],
      [2, false],
      [2, true],
      [3, false],
    ]);
  });

  it('versions: ignored without history, as Centrifugo keeps no version then', async () => {
    const [a] = await createCluster(factory, 1);
    const ra = await EventRecorder.start(a.broker);
    const channel = uniqueChannel('version-plain');
    await a.broker.subscribe([channel]);
    for (const n of [1, 2]) {
      const result = await a.broker.publish(channel, numbered(n, { version: 1 }));
      assert.deepEqual(result, { suppressed: false });
    }
    const events = await ra.waitForPublications(channel, 2);
    assert.deepEqual(
      events.map((e) => e.pub.version),
      [1, 1],
      'delivered with its version all the same',
    );
  });

  it('versions: a stale publish records no idempotency key; a seen key wins over the version', async () => {
    const [a] = await createCluster(factory, 1);
    const ra = await EventRecorder.start(a.broker);
    const channel = uniqueChannel('version-idempotency');
    await a.broker.subscribe([channel]);
    const publish = (n: number, version: number) =>
      a.broker.publish(channel, numbered(n, { version }), { history: HISTORY, idempotencyKey: 'k' });
    assert.deepEqual(
      outcomes([
        await a.broker.publish(channel, numbered(1, { version: 2 }), { history: HISTORY }),
        await publish(2, 1), // stale: the key is not recorded
        await publish(3, 3), // so the same key still publishes
        await publish(4, 9), // and is now seen: the first result, whatever the version
      ]),
      [
        [1, false],
        [1, true],
        [2, false],
        [2, true],
      ],
    );
    await ra.waitForPublications(channel, 2);
    await settle();
    assert.deepEqual(ra.data(channel), ['{"n":1}', '{"n":3}']);
  });

  it('versions: kept by history remove, forgotten with the stream meta', async () => {
    const [a] = await createCluster(factory, 1);
    const channel = uniqueChannel('version-remove');
    await publishAll(a, channel, [[1, 5]]);
    await a.history.remove(channel);
    assert.deepEqual(outcomes(await publishAll(a, channel, [[2, 5]])), [[1, true]]);

    const short: HistoryOptions = { size: 10, ttlMs: 100, metaTtlMs: 200 };
    const expiring = uniqueChannel('version-expire');
    const [first] = await publishAll(a, expiring, [[1, 5]], short);
    await sleep(500);
    const [again] = await publishAll(a, expiring, [[2, 1]], short);
    assert.equal(again!.suppressed, false, 'the version went with the meta');
    assert.equal(again!.position?.offset, 1);
    assert.notEqual(again!.position?.epoch, first!.position?.epoch);
  });

  it('versions: refuses a version that is not a safe integer >= 0, and an ill-formed epoch', async () => {
    const [a] = await createCluster(factory, 1);
    const channel = uniqueChannel('version-bad');
    for (const version of [-1, 1.5, Number.NaN, 2 ** 53]) {
      await assert.rejects(
        a.broker.publish(channel, numbered(1, { version }), { history: HISTORY }),
        EngineArgumentError,
        String(version),
      );
    }
    await assert.rejects(
      a.broker.publish(channel, numbered(1, { version: 1 }), { history: HISTORY, versionEpoch: '\ud800' }),
      EngineArgumentError,
    );
    const top = await a.broker.publish(channel, numbered(1, { version: 2 ** 53 - 1 }), { history: HISTORY });
    const again = await a.broker.publish(channel, numbered(2, { version: 2 ** 53 - 2 }), {
      history: HISTORY,
    });
    assert.deepEqual(
      [top.suppressed, again.suppressed],
      [false, true],
      'the largest safe integer compares exactly',
    );
  });
}
