/**
 * The log lines of the real CLI (`serve` in a child process): JSON objects naming the node when
 * standard output is not a terminal, readable lines with `log.format: pretty`, and readable,
 * coloured lines by default on a terminal (a pseudo-terminal made by `script`). Lifecycle events are
 * logged at info: the start with its addresses, the engine, the stop.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_API_KEY, TEST_SECRET, waitFor } from '../harness/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
/** Starts a terminal colour code. */
const ESC = '\u001b';

/** The environment without any SWITCHBOARD_* variable. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('SWITCHBOARD_')) env[key] = value;
  }
  return env;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(command: string, args: string[]): Running {
  const child = spawn(command, args, { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Starts `serve`, waits for it to listen, stops it with SIGTERM and returns everything it printed. */
async function serveOnce(command: string, args: string[]): Promise<string> {
  const cli = run(command, args);
  try {
    await waitFor(
      () => cli.child.exitCode !== null || cli.output().includes('switchboard listening'),
      'the node to listen',
      30_000,
    );
    assert.equal(cli.child.exitCode, null, `serve exited early: ${cli.output()}`);
    cli.child.kill('SIGTERM');
    await cli.exited;
    return cli.output();
  } finally {
    cli.child.kill('SIGKILL');
  }
}

describe('logs of the CLI', () => {
  let dir: string;
  const config = async (name: string, extra: Record<string, unknown>): Promise<string> => {
    const file = join(dir, `${name}.json`);
    const body = {
      http_server: { address: '127.0.0.1', port: 0 },
      node: { name },
      client: { token: { hmac_secret_key: TEST_SECRET } },
      http_api: { key: TEST_API_KEY },
      ...extra,
    };
    await writeFile(file, JSON.stringify(body));
    return file;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-logs-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes JSON lines naming the node when standard output is not a terminal', async () => {
    // Origins listed, so this production start has nothing to warn about: every line is info.
    const file = await config('json-node', {
      client: { token: { hmac_secret_key: TEST_SECRET }, allowed_origins: ['https://app.example'] },
    });
    const output = await serveOnce(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', file]);
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = lines.map((line) => line['msg']);
    for (const line of lines) {
      assert.equal(line['node'], 'json-node');
      assert.equal(typeof line['time'], 'number');
      assert.equal(line['level'], 30);
    }
    assert.ok(messages.includes('engine ready: in memory, this node alone'), messages.join(' | '));
    assert.ok(messages.includes('stopping: not ready, draining clients to other nodes'));
    assert.ok(messages.includes('stopped'));
    const listening = lines.find((line) => line['msg'] === 'switchboard listening');
    assert.ok(listening);
    const url = listening['url'] as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(listening['metrics'], `${url}/metrics`);
    assert.equal(listening['engine'], 'memory');
    assert.doesNotMatch(output, /INFO:/);
  });

  it('writes readable lines with log.format: pretty', async () => {
    const file = await config('pretty-node', { log: { format: 'pretty' } });
    const output = await serveOnce(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', file]);
    assert.match(
      output,
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[pretty-node\] switchboard listening \{"address":/m,
    );
    assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[pretty-node\] stopped$/m);
    // Not a terminal: no colour codes, and no JSON log line.
    assert.ok(!output.includes(`${ESC}[`), 'no colour codes');
    assert.doesNotMatch(output, /^\{"level"/m);
  });

  it('writes readable, coloured lines by default on a terminal', async () => {
    const file = await config('tty-node', {});
    const command = [process.execPath, '--import', 'tsx', MAIN, 'serve', '--config', file]
      .map((part) => `'${part}'`)
      .join(' ');
    // `script` runs the command with a pseudo-terminal as its standard output.
    const output = await serveOnce('script', ['-qfec', `exec ${command}`, '/dev/null']);
    const plain = output.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
    assert.match(plain, /\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[tty-node\] switchboard listening/);
    assert.ok(output.includes(`${ESC}[32mINFO${ESC}[39m`), 'the level is coloured');
    assert.doesNotMatch(output, /"node":"tty-node"/);
  });
});
