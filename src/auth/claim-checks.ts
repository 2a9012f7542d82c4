/**
 * Range and encoding checks on verified token claims. `jose` checks that `exp`, `nbf` and `iat` are
 * numbers, but JSON's `1e999` parses to Infinity, which passes every comparison and then turns into
 * `"ttl":Infinity` in a reply. Centrifugo parses these claims into Go integers (`int64`, and
 * `NumericDate` through a float that must not overflow), so such a token never verifies there; the
 * bounds below refuse the same tokens. Strings are checked for lone UTF-16 surrogates, which cannot
 * be encoded as UTF-8: two different user ids would both become U+FFFD on the wire and in Redis.
 */

/** The latest date a token may name: 9999-12-31T23:59:59Z, in Unix seconds. */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/** Registered date claims (RFC 7519): fractions allowed, as NumericDate permits them. */
const DATE_CLAIMS = ['exp', 'nbf', 'iat'] as const;

/** A date claim is absent, or a finite number of Unix seconds from 0 to {@link MAX_NUMERIC_DATE}. */
function isNumericDate(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_NUMERIC_DATE;
}

/**
 * What is wrong with the numeric claims of a payload, or undefined when nothing is. `expire_at`
 * (Centrifugo's expiry override, an `int64` there) must also be an integer.
 */
export function numericClaimProblem(payload: Readonly<Record<string, unknown>>): string | undefined {
  for (const claim of DATE_CLAIMS) {
    const value = payload[claim];
    if (value !== undefined && !isNumericDate(value)) {
      return `claim "${claim}" must be a date in Unix seconds from 0 to ${MAX_NUMERIC_DATE}`;
    }
  }
  const expireAt = payload['expire_at'];
  if (expireAt !== undefined && !(Number.isInteger(expireAt) && isNumericDate(expireAt))) {
    return `claim "expire_at" must be an integer of Unix seconds from 0 to ${MAX_NUMERIC_DATE}`;
  }
  return undefined;
}

/** `String.prototype.isWellFormed` (Node 20); the ES2023 library types do not declare it yet. */
export function isWellFormedString(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Whether every string in a JSON value — object keys included — is well-formed UTF-16. Walks with
 * an explicit stack: a deeply nested `info` cannot overflow the call stack.
 */
export function isWellFormedJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (!isWellFormedString(item)) return false;
    } else if (Array.isArray(item)) {
      for (const element of item) pending.push(element);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        if (!isWellFormedString(key)) return false;
        pending.push(element);
      }
    }
  }
  return true;
}
