/** Turns zod issues into {@link ConfigIssue}s keyed by dotted config paths. */
import { z } from 'zod';
import type { ConfigIssue } from './errors.js';

type PathSegment = PropertyKey;

/** `['channel', 'namespaces', 1, 'name']` → `channel.namespaces[1].name`; the empty path is `(root)`. */
export function formatKey(path: readonly PathSegment[]): string {
  let key = '';
  for (const segment of path) {
    if (typeof segment === 'number') key += `[${segment}]`;
    else key += key === '' ? String(segment) : `.${String(segment)}`;
  }
  return key === '' ? '(root)' : key;
}

/**
 * Converts the issues of a failed parse. An unknown-keys issue becomes one issue per unknown key, keyed
 * by that key, suggesting the closest known key of `schema` at that place.
 */
export function toConfigIssues(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code !== 'unrecognized_keys') return [{ key: formatKey(issue.path), message: issue.message }];
    const known = knownKeysAt(schema, issue.path);
    return issue.keys.map((name) => ({
      key: formatKey([...issue.path, name]),
      message: unknownKeyMessage(name, known),
    }));
  });
}

function unknownKeyMessage(name: string, known: readonly string[]): string {
  const closest = closestKey(name, known);
  if (closest !== undefined) return `unknown key; did you mean "${closest}"?`;
  return known.length > 0 ? `unknown key; expected one of: ${known.join(', ')}` : 'unknown key';
}

/** The keys the object schema at `path` accepts (empty when the path does not lead to an object). */
function knownKeysAt(root: z.core.$ZodType, path: readonly PathSegment[]): string[] {
  let schema: z.core.$ZodType | undefined = unwrap(root);
  for (const segment of path) {
    if (schema instanceof z.ZodObject && typeof segment === 'string') {
      const next: z.core.$ZodType | undefined = schema.shape[segment];
      schema = next === undefined ? undefined : unwrap(next);
    } else if (schema instanceof z.ZodArray && typeof segment === 'number') {
      schema = unwrap(schema.element);
    } else {
      return [];
    }
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Looks through defaults, optionals and pipes to the schema that sees the file's value. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

/** The known key closest to a misspelt one, when it is close enough to be what was meant. */
function closestKey(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(name.length / 4));
  return bestDistance <= tolerance ? best : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
