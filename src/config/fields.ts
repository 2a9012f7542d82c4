/**
 * Field builders for the config file schema: each one validates a single value, says in its message what
 * is expected and what was found, and carries its default.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { DurationError } from './errors.js';

/** Describes a value found in a config, for the "got …" part of a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** An error function for zod that says `expected <what>, got <value>`. */
export function expected(what: string): (issue: { readonly input?: unknown }) => string {
  return (issue) => `expected ${what}, got ${describeValue(issue.input)}`;
}

/** `true` or `false`. */
export function bool(fallback: boolean) {
  return z.boolean({ error: expected('true or false') }).default(fallback);
}

/** Any string; empty by default. */
export function text(fallback = '') {
  return z.string({ error: expected('a string') }).default(fallback);
}

/** A list of strings; empty by default. */
export function textList() {
  return z
    .array(z.string({ error: expected('a string') }), { error: expected('a list of strings') })
    .default(() => []);
}

/** A non-negative integer (a count, a size, a limit where 0 means none). */
export function count(fallback: number) {
  const error = expected('a non-negative integer');
  return z.int({ error }).min(0, { error }).default(fallback);
}

/** A positive integer (a size where 0 would make the node unusable). */
export function positiveCount(fallback: number) {
  const error = expected('a positive integer');
  return z.int({ error }).min(1, { error }).default(fallback);
}

/** A TCP port; 0 asks the OS for a free one. */
export function port(fallback: number) {
  const error = expected('an integer port from 0 to 65535');
  return z.int({ error }).min(0, { error }).max(65535, { error }).default(fallback);
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z.enum(values, { error: expected(`one of ${values.join(', ')}`) }).default(fallback);
}

/**
 * A duration: a Go-style string in files (`"300s"`, `"5m"`), milliseconds once resolved. The number 0 is
 * accepted as zero; any other number is rejected because its unit would be a guess.
 */
export function duration(fallbackMs: number, options: { positive?: boolean } = {}) {
  return z
    .unknown()
    .transform((value, ctx): number => {
      const fail = (message: string): never => {
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      };
      let ms: number;
      if (value === 0) {
        ms = 0;
      } else if (typeof value === 'string') {
        try {
          ms = parseDuration(value);
        } catch (error) {
          if (error instanceof DurationError) return fail(error.message);
          throw error;
        }
      } else {
        const unitHint = typeof value === 'number' ? ` (add a unit: "${value}s" or "${value}ms")` : '';
        return fail(`expected a duration like "300s" or "5m", got ${describeValue(value)}${unitHint}`);
      }
      if (options.positive === true && ms === 0) {
        return fail(`expected a duration greater than zero like "300s" or "5m", got ${describeValue(value)}`);
      }
      return ms;
    })
    .default(fallbackMs);
}

/**
 * A section of the file: a mapping with exactly these keys (unknown keys fail), each optional with its
 * own default, so a missing section resolves to all defaults.
 */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  const object = z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? expected('a mapping of keys')(issue) : undefined),
  });
  // `{}` is parsed, so every key takes its default; a required key would be reported as missing.
  return object.prefault({} as z.input<typeof object>);
}
