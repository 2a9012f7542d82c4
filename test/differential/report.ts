/**
 * The suite's report: for each case, whether both servers agreed, and the normalized frames of both
 * sides where they did not. Written to `test-artifacts/differential/` (gitignored) after every run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonical } from './normalize.js';
import type { Transcript } from './transcript.js';

/** One case's outcome. */
export interface CaseResult {
  name: string;
  equal: boolean;
  /** The reason from known-differences.ts, when listed. */
  known: string | undefined;
  centrifugo: Transcript;
  switchboard: Transcript;
  diff: string[];
}

const outDir = new URL('../../test-artifacts/differential/', import.meta.url).pathname;

function block(transcript: Transcript): string {
  return ['```', ...transcript.map((e) => JSON.stringify(canonical(e))), '```'].join('\n');
}

function section(result: CaseResult): string {
  const status = result.known === undefined ? 'UNLISTED DIFFERENCE' : 'known difference';
  return [
    `## ${result.name} (${status})`,
    '',
    result.known === undefined ? '' : `Reason: ${result.known}\n`,
    'Diff (`-` Centrifugo only, `+` Switchboard only):',
    '',
    '```diff',
    ...result.diff,
    '```',
    '',
    'Centrifugo:',
    '',
    block(result.centrifugo),
    '',
    'Switchboard:',
    '',
    block(result.switchboard),
    '',
  ].join('\n');
}

/** Writes `report.md` (differences) and `transcripts.json` (every case); returns the report's path. */
export function writeReport(results: CaseResult[]): string {
  mkdirSync(outDir, { recursive: true });
  const differing = results.filter((r) => !r.equal);
  const stale = results.filter((r) => r.equal && r.known !== undefined);
  const lines = [
    '# Differential conformance: Switchboard against Centrifugo',
    '',
    `${results.length} cases, ${results.length - differing.length} equal, ${differing.length} different` +
      (stale.length > 0 ? `, ${stale.length} listed as different but now equal` : '') +
      '.',
    '',
    ...stale.map((r) => `- ${r.name}: listed in known-differences.ts but both servers agree now`),
    '',
    ...differing.map(section),
  ];
  const path = join(outDir, 'report.md');
  writeFileSync(path, lines.join('\n'));
  writeFileSync(join(outDir, 'transcripts.json'), JSON.stringify(results, null, 2));
  return path;
}
