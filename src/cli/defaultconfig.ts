/**
 * `switchboard defaultconfig` and `switchboard defaultenv`: every configuration key with its
 * default, as a config file (YAML or JSON) or as `SWITCHBOARD_*` variables, like Centrifugo's
 * commands of the same names. Nothing is read: the output is this build's defaults.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { defaultFileConfig, envName } from '../config/index.js';

export const defaultconfigHelp = `Usage: switchboard defaultconfig [options]

Prints every configuration key with its default value, in the config file's format (durations as
"10s"). Lists (namespaces, proxies, consumers) are empty by default; docs/configuration.md
describes their entries. engine.type is left out: unset, it is "redis" when a Redis address is
set, else "memory". Keep only the keys you change.

Options:
  -f, --format <yaml|json>  output format, default yaml
  -h, --help                this help`;

export const defaultenvHelp = `Usage: switchboard defaultenv

Prints every configuration key as the environment variable that sets it (SWITCHBOARD_ and the
key's path joined by "_", upper-cased), with its default value. Lists are JSON arrays, sections
(a whole mapping in one variable) are not listed.

Options:
  -h, --help  this help`;

export async function defaultconfig(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { format: { type: 'string', short: 'f' } },
  });
  const format = values.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    console.error(`defaultconfig: --format must be yaml or json, got "${format}"`);
    return 2;
  }
  const config = defaultFileConfig();
  process.stdout.write(
    format === 'json'
      ? `${JSON.stringify(config, null, 2)}\n`
      : `# Every Switchboard configuration key with its default (switchboard defaultconfig).\n${stringify(config)}`,
  );
  return 0;
}

export async function defaultenv(argv: string[]): Promise<number> {
  parseArgs({ args: argv, strict: true, options: {} });
  const lines: string[] = [];
  const walk = (node: Record<string, unknown>, path: string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      const at = [...path, key];
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, at);
      } else {
        lines.push(`${envName(at)}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
      }
    }
  };
  walk(defaultFileConfig(), []);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
