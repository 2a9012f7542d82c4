/**
 * Every config key from the environment, by one rule (Centrifugo's `CENTRIFUGO_*` mapping is the
 * model): `SWITCHBOARD_` and the key's path in the file, joined by `_`, upper-cased —
 * `client.token.hmac_secret_key` is `SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET_KEY`. The keys are those
 * of the configuration with every default applied, sections included (a section takes a JSON
 * object). A value is read as the key's type: strings as they are; booleans `true`/`false`;
 * numbers as decimal digits (a duration keeps its unit: `"10s"`); lists as a JSON array or, for
 * lists of strings, words separated by spaces or commas; sections and anything else as JSON.
 * Whatever cannot be read goes to the schema as given, so the error names the variable and the key.
 */

/** The prefix of every configuration variable. */
export const ENV_PREFIX = 'SWITCHBOARD_';

/** What the default value of a key says about reading a variable for it. */
type Kind = 'string' | 'boolean' | 'number' | 'list' | 'json';

export interface EnvKey {
  readonly path: readonly string[];
  readonly kind: Kind;
}

/** Variable name → key, for every key and section of `defaults` (the resolved default config). */
export function envKeys(defaults: Record<string, unknown>): Map<string, EnvKey> {
  const out = new Map<string, EnvKey>();
  const walk = (node: Record<string, unknown>, path: string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      const at = [...path, key];
      const name = envName(at);
      if (isSection(value)) {
        out.set(name, { path: at, kind: 'json' });
        walk(value, at);
      } else {
        out.set(name, { path: at, kind: kindOf(value) });
      }
    }
  };
  walk(defaults, []);
  return out;
}

/** `SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET_KEY` for `['client', 'token', 'hmac_secret_key']`. */
export function envName(path: readonly string[]): string {
  return ENV_PREFIX + path.join('_').toUpperCase();
}

/** The value a variable stands for, read as its key's kind; the text itself when it cannot be. */
export function readEnvValue(kind: Kind, text: string): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    case 'list':
      return text.trimStart().startsWith('[') ? json(text) : text.split(/[\s,]+/).filter((w) => w !== '');
    case 'json':
      return json(text);
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): Kind {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'number';
  if (Array.isArray(value)) return 'list';
  return 'json';
}
