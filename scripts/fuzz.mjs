#!/usr/bin/env node
// Runs the fuzz properties (test/fuzz) as a longer campaign and prints what ran.
//   npm run fuzz                       the regular counts (about 10,000 cases)
//   npm run fuzz -- --runs 200000      about 200,000 cases, spread over the properties as usual
//   npm run fuzz -- --seed S --path P --match "title"
//                                      replay a reported counterexample: the seed and path it printed,
//                                      and the title of the failing test (a regular expression)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Cases of one regular run, summed over the properties' base counts. */
const REGULAR_CASES = 10_000;

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined) {
    console.error(`--${name} needs a value`);
    process.exit(2);
  }
  return value;
}

const runs = Number(option('runs') ?? REGULAR_CASES);
if (!Number.isFinite(runs) || runs <= 0) {
  console.error('--runs must be a positive number');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fuzz-'));
const report = join(dir, 'report.jsonl');
const env = { ...process.env, FUZZ_SCALE: String(runs / REGULAR_CASES), FUZZ_REPORT: report };
const seed = option('seed');
if (seed !== undefined) env.FUZZ_SEED = seed;
const path = option('path');
if (path !== undefined) env.FUZZ_PATH = path;

const match = option('match');
const files = readdirSync('test/fuzz')
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => join('test/fuzz', f));
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=dot'];
if (match !== undefined) args.push(`--test-name-pattern=${match}`);

const started = Date.now();
const result = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit', env });
const seconds = (Date.now() - started) / 1000;

let lines = [];
try {
  lines = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // No property reported: the run failed before any of them finished.
}
rmSync(dir, { recursive: true, force: true });

let total = 0;
console.log('\nproperty                                    cases      ms  seed');
for (const l of lines) {
  total += l.cases;
  console.log(`${l.name.padEnd(40)} ${String(l.cases).padStart(8)} ${String(l.ms).padStart(7)}  ${l.seed}`);
}
const failed = lines.filter((l) => l.failed);
console.log(`\n${total} cases in ${seconds.toFixed(1)} s, ${failed.length} failing properties`);
for (const l of failed) {
  console.log(`\nFAILED ${l.name}\n  counterexample: ${l.counterexample}`);
  console.log(`  replay: npm run fuzz -- --seed ${l.seed} --path ${l.path} --match "<failing test title>"`);
}
process.exit(result.status ?? 1);
