/** `switchboard genconfig`: writes a minimal working config file with freshly generated secrets. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { generateSecret } from '../auth/token-signer.js';
import { resolveConfig } from '../config/index.js';
import { configSchema } from '../config/schema.js';

export const genconfigHelp = `Usage: switchboard genconfig [options]

Writes a minimal working configuration with freshly generated secrets (token HMAC secret, server
API key, and the admin password and secret when the build has an admin section) and a sample
namespace "chat" with history and recovery. The file is written with mode 0600. YAML unless the
output name ends in .json.

Options:
  -o, --output <file>     file to write, default config.yaml ("-": standard output)
  -f, --force             overwrite an existing file
      --engine <type>     memory (default) or redis
      --redis-url <url>   Redis address, like redis://127.0.0.1:6379 (implies --engine redis)
  -p, --port <port>       HTTP port, default 8000
  -h, --help              this help

Exit codes: 0 written, 1 write failed, 2 usage error or the file exists (pass --force).`;

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** True when the config schema of this build accepts `admin.password` and `admin.secret`. */
export function hasAdminSection(): boolean {
  return configSchema.safeParse({ admin: { password: 'p', secret: 's' } }).success;
}

export interface GenerateOptions {
  engine: 'memory' | 'redis';
  redisUrl?: string | undefined;
  port?: number | undefined;
}

/** A config in the file format: everything a node needs to start, with new secrets. */
export function generateConfig(options: GenerateOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    http_server: { port: options.port ?? 8000 },
    client: {
      token: { hmac_secret_key: generateSecret(32) },
      allowed_origins: ['http://localhost:*', 'http://127.0.0.1:*'],
    },
    http_api: { key: generateSecret(24) },
    channel: {
      namespaces: [
        {
          name: 'chat',
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          allow_presence_for_subscriber: true,
          allow_history_for_subscriber: true,
          allow_publish_for_subscriber: true,
          history_size: 100,
          history_ttl: '300s',
          force_recovery: true,
        },
      ],
    },
  };
  if (options.engine === 'redis') {
    config['engine'] = { type: 'redis', redis: { address: options.redisUrl ?? DEFAULT_REDIS_URL } };
  }
  if (hasAdminSection()) {
    // Off, as in production by default; the password and secret are ready for `enabled: true`.
    const enabled = configSchema.safeParse({ admin: { enabled: false } }).success ? { enabled: false } : {};
    config['admin'] = { ...enabled, password: generateSecret(18), secret: generateSecret(32) };
  }
  return config;
}

function render(config: Record<string, unknown>, json: boolean): string {
  if (json) return `${JSON.stringify(config, null, 2)}\n`;
  return `# Switchboard configuration written by "switchboard genconfig". It holds secrets: keep it private.\n# Every key is described in docs/configuration.md.\n${stringify(config)}`;
}

export async function genconfig(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean', short: 'f' },
      engine: { type: 'string' },
      'redis-url': { type: 'string' },
      port: { type: 'string', short: 'p' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(genconfigHelp);
    return 0;
  }
  const usage = (message: string): number => {
    console.error(`genconfig: ${message}`);
    return 2;
  };
  const engine = values.engine ?? (values['redis-url'] !== undefined ? 'redis' : 'memory');
  if (engine !== 'memory' && engine !== 'redis') {
    return usage(`--engine must be memory or redis, got "${engine}"`);
  }
  if (engine === 'memory' && values['redis-url'] !== undefined) {
    return usage('--redis-url needs --engine redis');
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    return usage(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  const config = generateConfig({ engine, redisUrl: values['redis-url'], port });
  // What is written must be what a node accepts: a bad --redis-url fails here, before anything is written.
  resolveConfig(config);
  const output = values.output ?? 'config.yaml';
  const text = render(config, output.endsWith('.json'));
  if (output === '-') {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(output, text, { mode: 0o600, flag: values.force === true ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return usage(`${output} exists; pass --force to overwrite it`);
    }
    console.error(`genconfig: cannot write ${output}: ${(error as Error).message}`);
    return 1;
  }
  const lines = [
    `wrote ${output}${hasAdminSection() ? ' (token secret, API key, admin password and secret generated)' : ' (token secret and API key generated)'}`,
    '',
    'Next:',
    `  switchboard checkconfig --config ${output}`,
    `  switchboard serve --config ${output}`,
    `  switchboard gentoken --config ${output} --user 42`,
  ];
  if (hasAdminSection())
    lines.push('', `The admin UI (/admin) is off: set admin.enabled: true in ${output} to serve it.`);
  console.log(lines.join('\n'));
  return 0;
}
