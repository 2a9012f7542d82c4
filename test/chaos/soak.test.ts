import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textTable, violations } from './report.js';
import { runSoak } from './soak.js';

describe('chaos soak (60 s)', () => {
  it('delivers every publication once and in order through node kills, freezes, Redis restarts, pub/sub overflows, JWKS outages and slow clients, and never answers a client terminally', {
    timeout: 300_000,
  }, async () => {
    const report = await runSoak({
      durationMs: 60_000,
      clients: 1000,
      rate: 50,
      minFaultGapMs: 3000,
      maxFaultGapMs: 6000,
      log: (line) => console.log(line),
    });
    console.log(textTable(report));
    assert.deepEqual(violations(report), []);
    // Every kind of fault happened at least once.
    for (const [kind, n] of Object.entries(report.faults)) assert.ok(n > 0, `no "${kind}" fault injected`);
    assert.ok(report.published > 1000, `only ${report.published} publications`);
    // Memory stays bounded: no node grows past 1 GiB.
    for (const n of report.rss) assert.ok(!(n.endMiB > 1024), `${n.node} RSS ${n.endMiB} MiB`);
  });
});
