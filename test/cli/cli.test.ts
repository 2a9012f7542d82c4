/**
 * The `switchboard` command as a child process: `serve` (generated development secrets that work, graceful
 * SIGTERM), `gentoken`, `checkconfig`, bad configurations and `--help`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, jwtVerify } from 'jose';
import { VERSION } from '../../src/version.js';
import {
  connected,
  freePort,
  killAll,
  newClient,
  runCli,
  sleep,
  startCli,
  waitFor,
} from '../harness/index.js';

async function health(port: number): Promise<{ status: number; body: string } | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    return { status: res.status, body: await res.text() };
  } catch {
    return null;
  }
}

function match(text: string, pattern: RegExp, what: string): string {
  const found = pattern.exec(text)?.[1];
  assert.ok(found !== undefined, `${what} not printed in:\n${text}`);
  return found;
}

after(killAll);

describe('cli: serve', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints working development secrets and stops on SIGTERM with 3001 and exit 0', async () => {
    const port = await freePort();
    const cli = startCli(['serve', '--port', String(port), '--address', '127.0.0.1', '--log-level', 'warn']);
    const client = newClient(`ws://127.0.0.1:${port}/connection/websocket`);
    try {
      let up: { status: number; body: string } | null = null;
      await waitFor(
        () => cli.child.exitCode !== null || /SWITCHBOARD_API_KEY=/.test(cli.stdout()),
        'banner',
        30_000,
      );
      assert.equal(cli.child.exitCode, null, `serve exited early: ${cli.stderr()}`);
      for (const deadline = Date.now() + 10_000; up === null && Date.now() < deadline; )
        up = await health(port);
      assert.equal(up?.status, 200);
      assert.deepEqual(JSON.parse(up!.body), { status: 'ok' });

      const out = cli.stdout();
      const secret = match(out, /SWITCHBOARD_TOKEN_HMAC_SECRET=(\S+)/, 'HMAC secret');
      const token = match(out, /^\s+(eyJ[\w-]+\.[\w-]+\.[\w-]+)\s*$/m, 'demo token');
      const apiKey = match(out, /SWITCHBOARD_API_KEY=(\S+)/, 'API key');
      // The printed token is signed with the printed secret.
      const verified = await jwtVerify(token, new TextEncoder().encode(secret));
      assert.equal(verified.payload.sub, 'demo');

      client.setToken(token);
      let reconnectCode: number | undefined;
      client.on('connecting', (ctx) => {
        if (ctx.code >= 3000) reconnectCode ??= ctx.code;
      });
      client.connect();
      await connected(client);
      const sub = client.newSubscription('news');
      const got: unknown[] = [];
      sub.on('publication', (ctx) => got.push(ctx.data));
      sub.subscribe();
      await sub.ready(5000);

      const url = `http://127.0.0.1:${port}/api/publish`;
      const wrongKey = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': `${apiKey}x` },
        body: '{"channel":"news","data":{"n":0}}',
      });
      assert.equal(wrongKey.status, 401);
      // Sent the way the printed curl example sends it (`-d` is form-encoded).
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': apiKey },
        body: '{"channel":"news","data":{"text":"hi"}}',
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { result: {} });
      await waitFor(() => got.length === 1, 'publication through the printed key');
      assert.deepEqual(got, [{ text: 'hi' }]);

      cli.child.kill('SIGTERM');
      const exit = await cli.exited;
      assert.deepEqual(exit, { code: 0, signal: null });
      await waitFor(() => reconnectCode !== undefined, 'the client told to reconnect');
      assert.equal(reconnectCode, 3001);
      assert.equal(await health(port), null, 'the port is closed');
    } finally {
      client.disconnect();
      cli.child.kill('SIGKILL');
    }
  });

  it('serve --config with an unknown key exits 1 naming it, without listening', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ client: { ping_intervall: '10s' } }));
    const port = await freePort();
    const cli = startCli(['serve', '--config', file, '--port', String(port)]);
    let answered = false;
    const exit = cli.exited;
    let done = false;
    void exit.then(() => {
      done = true;
    });
    while (!done) {
      if ((await health(port)) !== null) answered = true;
      await sleep(20);
    }
    assert.equal((await exit).code, 1);
    assert.match(cli.stderr(), /client\.ping_intervall/);
    assert.equal(answered, false, 'nothing listened on the port');
    assert.doesNotMatch(cli.stdout(), /WebSocket:/);
  });

  it('checkconfig exits 0 on a valid file and 1 naming the key of an unknown key or a bad duration', async () => {
    const good = join(dir, 'good.yaml');
    const unknown = join(dir, 'unknown.yaml');
    const duration = join(dir, 'duration.yaml');
    const pem = join(dir, 'pem.yaml');
    await writeFile(good, 'client:\n  ping_interval: 10s\n  pong_timeout: 5s\n');
    await writeFile(pem, 'client:\n  token:\n    rsa_public_key: "not a pem"\n');
    await writeFile(unknown, 'client:\n  bogus_key: 1\n');
    await writeFile(duration, 'client:\n  stale_close_delay: soon\n');
    const [ok, badKey, badDuration, badPem] = await Promise.all([
      runCli(['checkconfig', '--config', good]),
      runCli(['checkconfig', '--config', unknown]),
      runCli(['checkconfig', '--config', duration]),
      runCli(['checkconfig', '--config', pem]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /client\.bogus_key/);
    assert.equal(badDuration.code, 1);
    assert.match(badDuration.stderr, /client\.stale_close_delay/);
    assert.equal(badPem.code, 1);
    assert.match(badPem.stderr, /client\.token\.rsa_public_key/);
  });
});

describe('cli: gentoken and help', () => {
  it('gentoken prints a JWT for the user signed with the secret', async () => {
    const { code, stdout, stderr } = await runCli(['gentoken', '--user', '42', '--token-hmac-secret', 's']);
    assert.equal(code, 0, stderr);
    const token = stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(decodeJwt(token).sub, '42');
    const { payload } = await jwtVerify(token, new TextEncoder().encode('s'));
    assert.equal(payload.sub, '42');
    assert.equal(typeof payload.exp, 'number');
  });

  it('exits 2 on usage errors: gentoken without --user, unknown flag, unknown command', async () => {
    const results = await Promise.all([
      runCli(['gentoken', '--token-hmac-secret', 's']),
      runCli(['gentoken', '--user', '42', '--token-hmac-secret', 's', '--bogus']),
      runCli(['bogus']),
    ]);
    for (const result of results) {
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
    }
  });

  it('--help exits 0 for every command', async () => {
    const argvs = [
      ['--help'],
      ['serve', '--help'],
      ['genconfig', '--help'],
      ['checkconfig', '--help'],
      ['gentoken', '--help'],
      ['bench', '--help'],
    ];
    // Six processes at once on a loaded machine: a generous limit.
    const results = await Promise.all(argvs.map((argv) => runCli(argv, 120_000)));
    for (const [i, result] of results.entries()) {
      assert.equal(result.code, 0, argvs[i]!.join(' '));
      assert.match(result.stdout, /^Usage: switchboard/, argvs[i]!.join(' '));
      assert.match(result.stdout, /Exit codes?/, argvs[i]!.join(' '));
    }
    // The top-level help lists every command.
    for (const name of ['serve', 'genconfig', 'checkconfig', 'gentoken', 'bench']) {
      assert.match(results[0]!.stdout, new RegExp(`^  ${name} `, 'm'), name);
    }
  });

  it('--version prints the version and exits 0', async () => {
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), VERSION);
  });
});
