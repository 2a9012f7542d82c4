/**
 * Runs every benchmark scenario with tiny sizes, so a change that breaks the benchmark (a protocol
 * change, a renamed option, a server that no longer starts) fails `npm test`. Figures are not judged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenarios, SCENARIOS } from '../../bench/run.js';

/** Scenarios that measure Switchboard alone (no socket.io run, no chart bar). */
const SWITCHBOARD_ONLY = new Set(['delta', 'proxy', 'ingest']);

test('every benchmark scenario produces figures for Switchboard and socket.io', {
  timeout: 480_000,
}, async () => {
  const results = await runScenarios(Object.keys(SCENARIOS), {
    quick: true,
    flags: { clients: 20, seconds: 0.3, recover: 20, rate: 50 },
  });
  assert.deepEqual(
    results.map((r) => r.name),
    Object.keys(SCENARIOS),
  );
  for (const r of results) {
    const entries = Object.entries(r.figures).filter(
      ([key]) => key.startsWith('switchboard') || key.startsWith('socketio'),
    );
    const kinds = SWITCHBOARD_ONLY.has(r.name) ? ['switchboard'] : ['switchboard', 'socketio'];
    for (const kind of kinds) {
      const mine = entries.filter(([key]) => key.startsWith(kind));
      assert.ok(mine.length > 0, `${r.name}: no figures for ${kind}`);
      for (const [key, f] of mine) {
        if (key.endsWith('-recovery')) {
          assert.equal(f!['recovered'], f!['clients'], `${r.name}: every client recovers`);
        } else {
          assert.ok((f!['deliveries'] ?? 0) > 0, `${r.name}/${key}: deliveries > 0`);
        }
      }
    }
    assert.ok(r.rows.length > 0, `${r.name}: table`);
    if (!SWITCHBOARD_ONLY.has(r.name)) assert.ok(r.chart.length > 0, `${r.name}: chart`);
  }
  const fanout = results.find((r) => r.name === 'fanout')!.figures;
  for (const key of ['switchboard-protobuf', 'switchboard-http-stream', 'switchboard-sse'] as const)
    assert.ok((fanout[key]?.['deliveries'] ?? 0) > 0, `fanout/${key}: clients count deliveries`);
  // Centrifugo (its binary) and the write-path floors deliver to the same load clients.
  const perRequest = results.find((r) => r.name === 'per-request')!.figures;
  for (const key of ['centrifugo', 'centrifugo-protobuf', 'floor-raw', 'floor-batched'] as const)
    assert.ok((perRequest[key]?.['deliveries'] ?? 0) > 0, `per-request/${key}: deliveries > 0`);
  for (const name of ['fanout', 'cross-node', 'per-request-cross-node']) {
    const f = results.find((r) => r.name === name)!.figures['centrifugo'];
    assert.ok((f?.['deliveries'] ?? 0) > 0, `${name}/centrifugo: deliveries > 0`);
  }
  const idle = results.find((r) => r.name === 'idle')!.figures;
  assert.equal(idle['centrifugo']?.['deliveries'], 20, 'idle/centrifugo: every connection open');
  for (const key of ['switchboard-http-stream', 'switchboard-sse'] as const)
    assert.equal(idle[key]?.['deliveries'], 20, `idle/${key}: every stream connected`);
  const delta = results.find((r) => r.name === 'delta')!.figures;
  for (const encoding of ['json', 'protobuf']) {
    for (const sub of ['full', 'delta']) {
      const f = delta[`switchboard-${encoding}-${sub}`];
      assert.ok((f?.['bytes'] ?? 0) > 0, `delta/${encoding}-${sub}: bytes counted`);
      assert.equal(f?.['matched'], f?.['deliveries'], `delta/${encoding}-${sub}: every document rebuilt`);
    }
    assert.ok(
      (delta[`switchboard-${encoding}-delta`]?.['deltas'] ?? 0) > 0,
      `delta/${encoding}: deltas delivered`,
    );
  }
  const storm = results.find((r) => r.name === 'storm')!.figures;
  for (const key of ['switchboard-conflated', 'switchboard-plain', 'socketio'] as const)
    assert.ok((storm[key]?.['deliveries'] ?? 0) > 0, `storm/${key}: deliveries > 0`);
  assert.equal(storm['switchboard-conflated']?.['latestOk'], 1, 'storm: latest value per key delivered');
  const ingest = results.find((r) => r.name === 'ingest')!.figures;
  for (const key of [
    'switchboard-flood-redis',
    'switchboard-steady-redis',
    'switchboard-steady-http',
  ] as const)
    assert.equal(
      ingest[key]?.['deliveries'],
      ingest[key]?.['expected'],
      `ingest/${key}: every delivery arrived`,
    );
  assert.equal(
    ingest['switchboard-flood-redis']?.['applied'],
    ingest['switchboard-flood-redis']?.['published'],
    'ingest: the Redis Streams consumer applied every entry',
  );
});
