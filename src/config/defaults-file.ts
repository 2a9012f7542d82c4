/**
 * The default configuration in the file format, as `switchboard defaultconfig` prints it: every
 * key with its default, durations written as duration strings (`"10s"`) since that is what the file
 * takes, and `node.name` empty (its default, `<hostname>:<port>`, is worked out at start-up).
 * `engine.type` is left out: unset, it follows the Redis addresses (a copied `type: memory` would
 * keep a node on the memory engine after a Redis address is added). The
 * duration keys are found by asking the schema itself: a number key that reads its default written
 * as a duration string back as that number is a duration, so the list cannot drift from the schema
 * (the default itself is the probe, so checks across keys, like pong_timeout < ping_interval, hold).
 */
import { applyOverride, valueAt } from './overrides.js';
import { configSchema } from './schema.js';

type Tree = Record<string, unknown>;

/** `ms` as the shortest duration string this config reads back as `ms`: `"10s"`, `"1m30s"`, `"250ms"`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  let seconds = ms / 1000;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`;
}

/** The configuration with every default, as a config file would hold it. */
export function defaultFileConfig(): Tree {
  const resolved = configSchema.parse({}) as unknown as Tree;
  let out = applyOverride(resolved, ['node', 'name'], '');
  const { type: _derived, ...engine } = out['engine'] as Tree;
  out = { ...out, engine };
  for (const path of numberPaths(resolved)) {
    const text = formatDuration(valueAt(resolved, path) as number);
    if (readsBack(path, text, valueAt(resolved, path))) out = applyOverride(out, path, text);
  }
  return out;
}

function readsBack(path: readonly string[], text: string, value: unknown): boolean {
  const probe = configSchema.safeParse(applyOverride({}, path, text));
  return probe.success && valueAt(probe.data, path) === value;
}

function numberPaths(tree: Tree, at: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'number') out.push([...at, key]);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out.push(...numberPaths(value as Tree, [...at, key]));
    }
  }
  return out;
}
