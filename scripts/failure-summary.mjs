// A test reporter that lists what did not pass: failed, timed-out and cancelled tests, each with its
// file, its suite path and the start of its error. scripts/run-tests.mjs runs it beside the TAP
// reporter and prints its output after every group, so the end of a long CI log names every failure
// (a cancelled test's cause, e.g. a `before` hook that failed, is otherwise thousands of lines up).
import { inspect } from 'node:util';

const ERROR_LINES = 12;

/** The error's stack, or message, or an inspection of it (errors from a test file may be plain objects). */
function textOf(cause) {
  if (typeof cause !== 'object' || cause === null) return String(cause);
  if (typeof cause.stack === 'string') return cause.stack;
  if (typeof cause.message === 'string') return cause.message;
  return inspect(cause, { depth: 2, breakLength: 100 });
}

function describeError(error) {
  if (error === undefined || error === null) return [];
  const lines = [];
  if (typeof error === 'object' && error.failureType !== undefined) {
    lines.push(`failure type: ${error.failureType}`);
  }
  const own = textOf(error.cause ?? error)
    .split('\n')
    .filter((line) => !/\(node:|at node:|node:internal/.test(line));
  lines.push(...own.slice(0, ERROR_LINES));
  return lines;
}

export default async function* failureSummary(source) {
  /** The names of the suites the next event is nested in, by nesting level. */
  const path = [];
  const failures = [];
  for await (const event of source) {
    if (event.type === 'test:start') {
      path[event.data.nesting] = event.data.name;
      path.length = event.data.nesting + 1;
    } else if (event.type === 'test:fail') {
      const { data } = event;
      // A suite that failed only because something in it did is listed through that something.
      if (data.details?.error?.failureType === 'subtestsFailed') continue;
      const names = [...path.slice(0, data.nesting), data.name];
      failures.push({ file: data.file, names, error: data.details?.error });
    }
  }
  if (failures.length === 0) return;
  yield `# ${failures.length} not passed (failed, timed out or cancelled):\n`;
  for (const failure of failures) {
    yield `# - ${failure.file ?? '?'}: ${failure.names.join(' > ')}\n`;
    for (const line of describeError(failure.error)) yield `#     ${line}\n`;
  }
}
