/** Command-line parsing shared by the subcommands. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { ConfigFlags } from '../config/index.js';

export const configFlagOptions = {
  config: { type: 'string', short: 'c' },
  port: { type: 'string', short: 'p' },
  address: { type: 'string' },
  'node-name': { type: 'string' },
  'log-level': { type: 'string' },
  'api-key': { type: 'string' },
  'token-hmac-secret': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedValues = Record<string, string | boolean | undefined>;

export function parse(argv: string[], extra: NonNullable<ParseArgsConfig['options']> = {}): ParsedValues {
  const { values } = parseArgs({ args: argv, options: { ...configFlagOptions, ...extra }, strict: true });
  return values as ParsedValues;
}

export function configFlags(values: ParsedValues): ConfigFlags {
  const flags: ConfigFlags = {};
  const str = (k: string): string | undefined =>
    typeof values[k] === 'string' ? (values[k] as string) : undefined;
  if (str('port') !== undefined) flags.port = str('port');
  if (str('address') !== undefined) flags.address = str('address');
  if (str('node-name') !== undefined) flags.nodeName = str('node-name');
  if (str('log-level') !== undefined) flags.logLevel = str('log-level');
  if (str('api-key') !== undefined) flags.apiKey = str('api-key');
  if (str('token-hmac-secret') !== undefined) flags.tokenHmacSecret = str('token-hmac-secret');
  return flags;
}
