/**
 * Runs fast-check properties with case counts scaled by `FUZZ_SCALE` (default 1: the counts of a
 * regular test run). `FUZZ_SEED` (and `FUZZ_PATH`) replay a reported counterexample. When
 * `FUZZ_REPORT` names a file, one JSON line per property is appended to it for `npm run fuzz`.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);
  return value;
}

const scale = envNumber('FUZZ_SCALE') ?? 1;
const seed = envNumber('FUZZ_SEED');
const path = process.env['FUZZ_PATH'] || undefined;

/** The number of cases for a property that runs `base` cases in a regular test run. */
export function scaledRuns(base: number): number {
  return Math.max(1, Math.round(base * scale));
}

/**
 * A case that takes longer than this fails (a hang is a defect: the property names the case and its
 * seed instead of the test runner timing out the whole file and printing nothing).
 */
const CASE_TIMEOUT_MS = 30_000;
/**
 * The whole check, shrinking included, stops after this and reports what it has: a failure found is
 * still reported (shrunk as far as it got), before the runner's 300 s per-test timeout. A check cut
 * short without a failure passes with the cases it ran, which the report line counts.
 */
const CHECK_BUDGET_MS = 200_000;

/** fast-check parameters: scaled runs, the time bounds, the replay seed and path when given. */
function parameters<Ts>(base: number, extra: fc.Parameters<Ts>): fc.Parameters<Ts> {
  const params: fc.Parameters<Ts> = {
    numRuns: scaledRuns(base),
    interruptAfterTimeLimit: CHECK_BUDGET_MS * Math.max(1, scale),
    ...extra,
  };
  if (seed !== undefined) params.seed = seed;
  if (path !== undefined) params.path = path;
  return params;
}

function report<Ts>(name: string, details: fc.RunDetails<Ts>, ms: number): void {
  const file = process.env['FUZZ_REPORT'];
  if (file === undefined || file === '') return;
  const line = {
    name,
    cases: details.numRuns,
    ms: Math.round(ms),
    seed: details.seed,
    failed: details.failed,
    path: details.failed ? details.counterexamplePath : undefined,
    counterexample: details.failed ? fc.stringify(details.counterexample) : undefined,
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/** The failure of a property: fast-check's report (seed, path, counterexample) and the assertion that failed. */
function failure<Ts>(name: string, message: string, details: fc.RunDetails<Ts>): Error {
  const cause = details.errorInstance;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  return new Error(`${name}: ${message}\nGot error: ${text}`, { cause });
}

/** Checks a synchronous property; throws fast-check's report (seed, path, counterexample) on failure. */
export function checkProperty<Ts>(
  name: string,
  property: fc.IProperty<Ts>,
  base: number,
  extra: fc.Parameters<Ts> = {},
): void {
  const started = performance.now();
  const details = fc.check(property, parameters(base, extra));
  report(name, details, performance.now() - started);
  if (details.failed) throw failure(name, fc.defaultReportMessage(details) ?? '', details);
}

/** Checks an asynchronous property; throws fast-check's report on failure. */
export async function checkAsyncProperty<Ts>(
  name: string,
  property: fc.IAsyncProperty<Ts>,
  base: number,
  extra: fc.Parameters<Ts> = {},
): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property, parameters(base, { timeout: CASE_TIMEOUT_MS, ...extra }));
  report(name, details, performance.now() - started);
  if (details.failed) throw failure(name, (await fc.asyncDefaultReportMessage(details)) ?? '', details);
}
