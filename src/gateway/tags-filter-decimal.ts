/**
 * Decimal numbers of the tags filter's `gt`, `gte`, `lt` and `lte`, read and ordered as
 * Centrifugo does with `udecimal.Parse` and `Decimal.Cmp` (github.com/quagmt/udecimal v1.10.1):
 * exact decimal values, so `"0.10"` equals `"0.1"` and 40-digit numbers compare exactly; a string
 * that does not parse makes the comparison false.
 *
 * What parses: at most 200 characters; an optional sign; one or more digits; optionally a point and
 * 1 to 19 more digits. No exponent, no leading point, no trailing point, no spaces. Strings over 41
 * characters take udecimal's `big.Int` path, which also takes `-+` as a sign (negative); that quirk
 * is kept so the same tags match on both servers.
 */

/** A parsed decimal: sign, integer digits without leading zeros, fraction digits without trailing zeros. */
export interface Decimal {
  readonly neg: boolean;
  readonly int: string;
  readonly frac: string;
}

/** udecimal's `maxStrLen`. */
const MAX_LENGTH = 200;
/** Longest string udecimal tries in 128 bits first (39 digits, a point, a sign). */
const U128_PATH_MAX_LENGTH = 41;

const PLAIN = /^([+-]?)(\d+)(?:\.(\d{1,19}))?$/;
/** Only reachable through udecimal's `big.Int` path (strings over 41 characters). */
const MINUS_PLUS = /^(-)\+(\d+)(?:\.(\d{1,19}))?$/;

/** The value of `s`, or null when udecimal would refuse it. */
export function parseDecimal(s: string): Decimal | null {
  if (s.length === 0 || s.length > MAX_LENGTH) return null;
  const m = PLAIN.exec(s) ?? (s.length > U128_PATH_MAX_LENGTH ? MINUS_PLUS.exec(s) : null);
  if (m === null) return null;
  const int = stripLeadingZeros(m[2]!);
  const frac = stripTrailingZeros(m[3] ?? '');
  // Zero has no sign: udecimal makes "-0" the same Zero as "0".
  const neg = m[1] === '-' && (int !== '' || frac !== '');
  return { neg, int, frac };
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.neg !== b.neg) return a.neg ? -1 : 1;
  const magnitude = compareMagnitudes(a, b);
  return a.neg ? 0 - magnitude : magnitude;
}

function compareMagnitudes(a: Decimal, b: Decimal): number {
  // Without leading zeros a longer integer part is a larger number; equal lengths compare as text.
  if (a.int.length !== b.int.length) return a.int.length < b.int.length ? -1 : 1;
  if (a.int !== b.int) return a.int < b.int ? -1 : 1;
  // Without trailing zeros fraction digits compare as text ("45" < "5", "4" < "45").
  if (a.frac !== b.frac) return a.frac < b.frac ? -1 : 1;
  return 0;
}

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  return end === digits.length ? digits : digits.slice(0, end);
}
