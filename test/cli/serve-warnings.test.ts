/**
 * `serve` warns, in its log, about settings an operator should look at: a production start (keys
 * configured) with every origin allowed, and SWITCHBOARD_* variables that set no key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startCli } from '../harness/cli.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const KEYS = {
  SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET_KEY: 'serve-warnings-secret-0123456789abcdef',
  SWITCHBOARD_HTTP_API_KEY: 'serve-warnings-api-key',
};

/** Starts `serve` with `env`, waits until it listens, stops it; returns everything it printed. */
async function output(env: NodeJS.ProcessEnv): Promise<string> {
  const port = await freePort();
  const cli = startCli(['serve', '--port', String(port), '--address', '127.0.0.1'], { env });
  try {
    await waitFor(
      () => cli.child.exitCode !== null || /listening/i.test(cli.stdout() + cli.stderr()),
      'serve listening',
      30_000,
    );
    assert.equal(cli.child.exitCode, null, `serve exited: ${cli.stderr()}`);
    return cli.stdout() + cli.stderr();
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
}

describe('cli: serve warnings', () => {
  it('warns when a production start lets every origin connect, and names unknown variables', async () => {
    const out = await output({ ...KEYS, SWITCHBOARD_CLIENT_TOKN_AUDIENCE: 'typo' });
    assert.match(out, /allowed_origins lets every web page open connections/);
    assert.match(out, /SWITCHBOARD_CLIENT_TOKN_AUDIENCE/);
  });

  it('says nothing of origins once they are listed, nor of known variables', async () => {
    const out = await output({ ...KEYS, SWITCHBOARD_CLIENT_ALLOWED_ORIGINS: 'https://app.example' });
    assert.doesNotMatch(out, /allowed_origins lets every web page/);
    assert.doesNotMatch(out, /set no key/);
  });
});
