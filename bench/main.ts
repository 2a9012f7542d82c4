/**
 * `npm run bench -- <scenario|all> [--quick] [--no-write] [--clients N] [--seconds S] …`
 *
 * Runs scenarios against Switchboard and socket.io side by side, prints the tables, and (unless
 * `--quick` or `--no-write`) records the results in bench/results.json and rewrites
 * docs/benchmarks.md and docs/benchmarks-chart.svg from every recorded scenario.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { renderMarkdown, renderTable } from './report.js';
import { runScenarios, SCENARIOS } from './run.js';
import type { Flags, ScenarioResult } from './scenarios/common.js';
import { renderChart } from './svg-chart.js';

const args = process.argv.slice(2);
const names: string[] = [];
const flags: Flags = {};
let quick = false;
let write = true;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--quick') quick = true;
  else if (arg === '--no-write') write = false;
  else if (arg === '--write' || arg === '--render') write = true;
  else if (arg.startsWith('--')) {
    const value = Number(args[++i]);
    if (!Number.isFinite(value)) throw new Error(`${arg} needs a number`);
    flags[arg.slice(2)] = value;
  } else names.push(arg);
}
if (quick && !args.includes('--write')) write = false;
const chosen = names.length === 0 || names.includes('all') ? Object.keys(SCENARIOS) : names;
const command = `npm run bench -- ${args.join(' ')}`.trim();

const root = new URL('../', import.meta.url);
const store = new URL('bench/results.json', root);
interface Stored {
  runs: Record<string, { result: ScenarioResult; date: string; command: string }>;
}
function record(r: ScenarioResult, keep?: Stored['runs'][string]): void {
  console.log(`\n## ${r.title}\n\n${renderTable(r)}\n`);
  if (!write) return;
  const stored: Stored = existsSync(store)
    ? (JSON.parse(readFileSync(store, 'utf8')) as Stored)
    : { runs: {} };
  const date = new Date().toISOString();
  stored.runs[r.name] = keep ?? { result: r, date, command };
  writeFileSync(store, `${JSON.stringify(stored, null, 2)}\n`);
  // Keep the record in the repository's own format, so `biome ci` stays clean.
  try {
    execFileSync('npx', ['biome', 'format', '--write', store.pathname], { stdio: 'ignore' });
  } catch {
    // formatting is cosmetic
  }
  const ordered = Object.keys(SCENARIOS)
    .map((n) => stored.runs[n])
    .filter((r) => r !== undefined);
  writeFileSync(
    new URL('docs/benchmarks-chart.svg', root),
    renderChart(ordered.flatMap((r) => r.result.chart)),
  );
  writeFileSync(new URL('docs/benchmarks.md', root), renderMarkdown(ordered));
  console.log('wrote docs/benchmarks.md, docs/benchmarks-chart.svg and bench/results.json');
}

if (args.includes('--render')) {
  // Re-render the page from the recorded results without running anything.
  write = true;
  const stored = JSON.parse(readFileSync(store, 'utf8')) as Stored;
  const first = Object.values(stored.runs)[0];
  if (first) record(first.result, first);
} else {
  await runScenarios(chosen, { quick, flags, log: (line) => console.log(line), onResult: (r) => record(r) });
}
