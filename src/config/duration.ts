import { DurationError } from './errors.js';

/** Milliseconds per unit of a Go duration string. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 MICRO SIGN, as Go writes it
  μs: 1e-3, // U+03BC GREEK SMALL LETTER MU, also accepted by Go
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** One `<number><unit>` component; the whole string is one or more of them. */
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** What the parser accepts, for error messages shown to people editing a config file. */
export const DURATION_FORMAT_HINT =
  'a duration like "300s", "5m", "1h30m", "250ms" or "1.5s" (units h, m, s, ms, us, ns; "0" for zero)';

/**
 * Parses a Go-style duration string (`"300s"`, `"5m"`, `"1h30m"`, `"250ms"`, `"1.5s"`, `"0"`, `"0s"`)
 * into whole milliseconds.
 *
 * Bare numbers other than `"0"`, negative durations, whitespace, unknown units and values that are not a
 * whole number of milliseconds (`"1500us"` is fine, `"1us"` is not) are rejected.
 *
 * @throws {DurationError} when `text` is not such a duration; the message says what is expected.
 */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text.startsWith('-')) {
    throw new DurationError(`expected a non-negative duration, got ${JSON.stringify(text)}`);
  }
  if (text === '') {
    throw new DurationError(`expected ${DURATION_FORMAT_HINT}, got an empty string`);
  }
  let total = 0;
  COMPONENT.lastIndex = 0;
  while (COMPONENT.lastIndex < text.length) {
    const match = COMPONENT.exec(text);
    if (match === null) {
      const hint = /^\d+(\.\d+)?$/.test(text) ? ' (a bare number needs a unit)' : '';
      throw new DurationError(`expected ${DURATION_FORMAT_HINT}, got ${JSON.stringify(text)}${hint}`);
    }
    const [, amount = '', unit = ''] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
  }
  // Summing float components can leave noise such as 1500.0000000000002; round it away, but refuse
  // real sub-millisecond precision since every timer downstream works in whole milliseconds.
  const rounded = Math.round(total);
  if (Math.abs(total - rounded) > 1e-6) {
    throw new DurationError(
      `expected a whole number of milliseconds, got ${JSON.stringify(text)} (${total} ms)`,
    );
  }
  if (!Number.isSafeInteger(rounded)) {
    throw new DurationError(`expected a duration of at most ${Number.MAX_SAFE_INTEGER} ms, got ${text}`);
  }
  return rounded;
}
