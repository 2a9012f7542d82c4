#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's test runner and tsx as the loader.
// Extra arguments narrow the run: `npm run test:unit -- test/gateway` or a file path.
// Files under test/chaos, test/bench and test/packaging run after the others, one at a time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = (roots.length > 0 ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// The chaos soak loads the whole machine for a minute, and the benchmark smoke test measures under
// load it makes itself: they run alone, after everything else. So does the packaging test, which
// builds the packages (a full tsc build, both formats) and installs them: two cores of work that
// would stretch the timing of whatever ran beside it.
const alone = (file) => {
  const parts = file.split(/[\\/]/);
  return parts.includes('chaos') || parts.includes('bench') || parts.includes('packaging');
};
const groups = [
  { files: files.filter((f) => !alone(f)), args: ['--test-concurrency=2', '--test-timeout=300000'] },
  { files: files.filter(alone), args: ['--test-concurrency=1', '--test-timeout=300000'] },
];
// Beside the TAP on stdout, scripts/failure-summary.mjs writes what did not pass to a file per group;
// those are printed last, so the end of the output names every failure and its cause.
const summaries = mkdtempSync(join(tmpdir(), 'switchboard-test-summary-'));
const reporters = (file) =>
  flags.some((f) => f.startsWith('--test-reporter'))
    ? []
    : [
        '--test-reporter=tap',
        '--test-reporter-destination=stdout',
        `--test-reporter=${new URL('./failure-summary.mjs', import.meta.url).href}`,
        `--test-reporter-destination=${file}`,
      ];
let status = 0;
const summary = [];
groups.forEach((group, index) => {
  if (group.files.length === 0) return;
  const file = join(summaries, `group-${index}.txt`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', ...group.args, ...reporters(file), ...flags, ...group.files],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
  try {
    summary.push(readFileSync(file, 'utf8'));
  } catch {
    // No file: the reporters were the caller's own, or the run ended before reporting.
  }
});
rmSync(summaries, { recursive: true, force: true });
const text = summary.join('');
if (text !== '') process.stdout.write(`\n${text}`);
else if (status !== 0) process.stdout.write(`\n# the test run exited with status ${status}\n`);
process.exit(status);
