/**
 * Differential conformance: every scripted case runs against a real Centrifugo v6 and a Switchboard
 * node with equivalent configs, at the same time, and the normalized transcripts must be equal —
 * except for the cases listed in known-differences.ts, which must still differ. Needs the Centrifugo
 * binary from `scripts/install-centrifugo.sh`; without it the suite fails (it never skips).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { freePort } from '../harness/node-process.js';
import { ALL_CASES } from './cases/index.js';
import { findCentrifugo, startCentrifugo } from './centrifugo.js';
import { compare } from './compare.js';
import type { Profile } from './config.js';
import { KNOWN_DIFFERENCES, MASKED_DIFFERENCES } from './known-differences.js';
import { MASK_NAMES } from './masks.js';
import { normalize } from './normalize.js';
import type { ServerProcess } from './process.js';
import { type CaseResult, writeReport } from './report.js';
import { runCase } from './script.js';
import { startSwitchboard } from './switchboard.js';

interface Pair {
  centrifugo: ServerProcess;
  switchboard: ServerProcess;
}

const binary = findCentrifugo();
const pairs = new Map<Profile, Promise<Pair>>();

/** Both servers of a profile, started on first use. */
function pair(profile: Profile): Promise<Pair> {
  let started = pairs.get(profile);
  if (started === undefined) {
    started = (async () => {
      const [centrifugo, switchboard] = await Promise.all([
        freePort().then((port) => startCentrifugo(binary, profile, port)),
        freePort().then((port) => startSwitchboard(profile, port)),
      ]);
      return { centrifugo, switchboard };
    })();
    pairs.set(profile, started);
  }
  return started;
}

const results: CaseResult[] = [];

describe('differential conformance against Centrifugo', () => {
  after(async () => {
    const path = writeReport(results);
    console.log(`differential report: ${path}`);
    const settled = await Promise.allSettled(pairs.values());
    await Promise.all(
      settled.flatMap((s) =>
        s.status === 'fulfilled' ? [s.value.centrifugo.stop(), s.value.switchboard.stop()] : [],
      ),
    );
  });

  test('case names are unique and every known difference names a case', () => {
    const names = ALL_CASES.map((c) => c.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
      'duplicate case names',
    );
    const unknown = Object.keys(KNOWN_DIFFERENCES).filter((n) => !names.includes(n));
    assert.deepEqual(unknown, [], 'known-differences.ts lists cases that do not exist');
    for (const mask of MASK_NAMES) {
      const { shownBy } = MASKED_DIFFERENCES[mask];
      assert.ok(
        KNOWN_DIFFERENCES[shownBy] !== undefined,
        `mask ${mask} is shown by ${shownBy}, which must be listed in KNOWN_DIFFERENCES`,
      );
    }
  });

  for (const testCase of ALL_CASES) {
    test(testCase.name, async () => {
      const servers = await pair(testCase.profile ?? 'main');
      const now = Math.floor(Date.now() / 1000);
      const [centrifugo, switchboard] = await Promise.all([
        runCase(testCase, servers.centrifugo, now),
        runCase(testCase, servers.switchboard, now),
      ]);
      // Every mask applies except the one(s) this case exists to show.
      const masks = MASK_NAMES.filter((m) => MASKED_DIFFERENCES[m].shownBy !== testCase.name);
      const a = normalize(centrifugo, masks);
      const b = normalize(switchboard, masks);
      const { equal, diff } = compare(a, b);
      const known = KNOWN_DIFFERENCES[testCase.name];
      results.push({ name: testCase.name, equal, known, centrifugo: a, switchboard: b, diff });
      if (known === undefined) {
        assert.ok(
          equal,
          `Switchboard differs from Centrifugo (- Centrifugo, + Switchboard):\n${diff.join('\n')}\n` +
            'Fix Switchboard, or list the case in test/differential/known-differences.ts with the reason.',
        );
      } else {
        assert.ok(
          !equal,
          `listed in known-differences.ts (${known}), but both servers now agree: remove the entry`,
        );
      }
    });
  }
});
