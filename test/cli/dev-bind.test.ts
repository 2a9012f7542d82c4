/**
 * A development start (no keys configured: secrets generated, admin UI open) listens on 127.0.0.1
 * only, unless an address is set by flag, variable or file; a production start keeps 0.0.0.0.
 * Checked from the outside: the node's port answers on loopback and, where the machine has a
 * non-loopback address, is refused or answered there.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startCli } from '../harness/cli.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const KEYS = {
  SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET_KEY: 'dev-bind-secret-0123456789abcdef',
  SWITCHBOARD_HTTP_API_KEY: 'dev-bind-api-key',
  SWITCHBOARD_CLIENT_ALLOWED_ORIGINS: 'https://app.example',
};

/** This machine's first non-loopback IPv4 address, if it has one. */
function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `serve` with `args`/`env`, waits until it listens, reports where it can be reached, stops it. */
async function reach(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ loopback: boolean; outside: boolean | undefined; out: string }> {
  const port = await freePort();
  const cli = startCli(['serve', '--port', String(port), ...args], { env });
  try {
    // Both the "listening" log line (with the address) and the banner (with the loopback notice,
    // one write under a pipe's atomic size, so read whole): a development start prints the banner
    // after the log line, once a demo token is signed, a production start before it.
    await waitFor(
      () =>
        cli.child.exitCode !== null ||
        (/^Switchboard \S+ on /m.test(cli.stdout()) && /"msg":"switchboard listening"/.test(cli.stdout())),
      'serve listening, and its banner',
      30_000,
    );
    assert.equal(cli.child.exitCode, null, `serve exited: ${cli.stderr()}`);
    const host = outsideAddress();
    return {
      loopback: await reachable('127.0.0.1', port),
      outside: host === undefined ? undefined : await reachable(host, port),
      out: cli.stdout() + cli.stderr(),
    };
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
}

describe('cli: where a development start listens', () => {
  it('listens on 127.0.0.1 only when secrets are generated and no address is set, and says so', async () => {
    const r = await reach([]);
    assert.equal(r.loopback, true);
    assert.match(r.out, /"address":"127\.0\.0\.1"/);
    assert.match(r.out, /listening on 127\.0\.0\.1 only/);
    if (r.outside !== undefined) assert.equal(r.outside, false, 'not reachable from other interfaces');
  });

  it('listens where it is told: --address, SWITCHBOARD_HTTP_SERVER_ADDRESS, or the config file', async () => {
    const file = join(tmpdir(), `dev-bind-${process.pid}.yaml`);
    writeFileSync(file, 'http_server:\n  address: 0.0.0.0\n');
    for (const [args, env] of [
      [['--address', '0.0.0.0'], {}],
      [[], { SWITCHBOARD_HTTP_SERVER_ADDRESS: '0.0.0.0' }],
      [['--config', file], {}],
    ] as const) {
      const r = await reach([...args], env);
      assert.equal(r.loopback, true);
      assert.match(r.out, /"address":"0\.0\.0\.0"/, `${args.join(' ')} ${JSON.stringify(env)}`);
      assert.doesNotMatch(r.out, /listening on 127\.0\.0\.1 only/);
      if (r.outside !== undefined) assert.equal(r.outside, true);
    }
  });

  it('keeps the default 0.0.0.0 for a production start (keys configured)', async () => {
    const r = await reach([], KEYS);
    assert.match(r.out, /"address":"0\.0\.0\.0"/);
    if (r.outside !== undefined) assert.equal(r.outside, true);
  });
});
