/**
 * Secrets never reach the log: with logging at trace level (in process) and at debug level (the real
 * CLI, its whole standard output and error), good and bad API calls and good, forged and expired
 * tokens leave no trace of the API key, a wrong key that was tried, the token secret, or any token
 * or its signature part.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { signToken } from '../../src/auth/token-signer.js';
import {
  callApi,
  freePort,
  rawConnect,
  startTestNode,
  TEST_API_KEY,
  TEST_SECRET,
  waitFor,
} from '../harness/index.js';
import { connectOutcome, outcomeOf, unsignedToken } from './outcome.js';

const WRONG_KEY = 'wrong-api-key-guess-5f3a9c';
const OTHER_SECRET = 'attacker-secret-0123456789abcdef';

/** Drives good and bad traffic at a node; returns every secret string it used. */
async function exercise(baseUrl: string, wsUrl: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const tokens = [
    await signToken({ sub: 'alice' }, TEST_SECRET, { expiresInSeconds: 3600 }),
    await signToken({ sub: 'alice' }, OTHER_SECRET, { expiresInSeconds: 3600 }),
    await signToken({ sub: 'alice', exp: now - 60 }, TEST_SECRET),
    unsignedToken({ sub: 'alice' }),
    await signToken({ sub: 'alice', channel: '$room' }, TEST_SECRET, { expiresInSeconds: 3600 }),
    await signToken({ sub: 'bob', channel: '$room' }, TEST_SECRET, { expiresInSeconds: 3600 }),
    await signToken({ sub: 'alice', channel: '$room', exp: now - 60 }, TEST_SECRET),
    await signToken({ sub: 'bob' }, TEST_SECRET, { expiresInSeconds: 3600 }),
  ];
  const [good, forged, expired, none, subGood, subOther, subExpired, otherUser] = tokens as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];

  // Server API: good key in both headers, wrong key, no key, bad bodies.
  const post = (headers: Record<string, string>, body: string, method = 'publish') =>
    fetch(`${baseUrl}/api/${method}`, { method: 'POST', headers, body }).then((r) => r.status);
  assert.equal((await callApi(baseUrl, 'publish', { channel: 'news', data: { n: 1 } })).status, 200);
  assert.equal(await post({ authorization: `apikey ${TEST_API_KEY}` }, '{"channel":"news","data":{}}'), 200);
  assert.equal(await post({ 'x-api-key': WRONG_KEY }, '{"channel":"news","data":{}}'), 401);
  assert.equal(await post({ authorization: `apikey ${WRONG_KEY}` }, '{}'), 401);
  assert.equal(await post({}, '{}'), 401);
  assert.equal(await post({ 'x-api-key': TEST_API_KEY }, `{"channel":"news","data":"${good}"`), 400);
  assert.equal(await post({ 'x-api-key': TEST_API_KEY }, '{}', 'no_such_method'), 404);

  // Connections: good, forged, expired, alg none; subscription tokens; refresh as another user.
  const expect = async (token: string, outcome: string) => {
    const { outcome: got, client } = await connectOutcome(wsUrl, token);
    assert.equal(got, outcome);
    return client;
  };
  const alice = await expect(good, 'ok');
  (await expect(forged, 'close 3500')).close();
  (await expect(expired, 'error 109')).close();
  (await expect(none, 'close 3500')).close();
  // A token issued for another user closes the connection that sent it (3500).
  const another = await expect(good, 'ok');
  assert.equal(await outcomeOf(another, 2, 'subscribe', { channel: '$room', token: subOther }), 'close 3500');
  assert.equal(await outcomeOf(alice, 3, 'subscribe', { channel: '$room', token: subExpired }), 'error 109');
  assert.equal(await outcomeOf(alice, 4, 'subscribe', { channel: '$room', token: subGood }), 'ok');
  assert.equal(await outcomeOf(alice, 5, 'refresh', { token: otherUser }), 'close 3500');
  // A malformed frame carrying a token.
  const raw = await rawConnect(wsUrl);
  raw.send(`{"id":1,"connect":{"token":"${good}"`);
  await raw.closed;

  const signatures = tokens.map((t) => t.split('.')[2] ?? '').filter((s) => s.length > 0);
  return [TEST_API_KEY, WRONG_KEY, TEST_SECRET, OTHER_SECRET, ...tokens, ...signatures];
}

function assertNoSecrets(log: string, secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(!log.includes(secret), `the log contains a secret: ${secret.slice(0, 12)}…`);
  }
}

describe('secrets in logs', () => {
  it('never logs them in process at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const node = await startTestNode({}, { logger: pino({ level: 'trace', base: { node: 'logs' } }, sink) });
    try {
      const secrets = await exercise(node.baseUrl, node.wsUrl);
      // The capture works: the malformed frame is logged at debug.
      await waitFor(() => lines.some((l) => l.includes('bad frame')), 'a debug line');
      assertNoSecrets(lines.join(''), secrets);
    } finally {
      await node.stop();
    }
  });

  it('never logs them from the CLI at debug level, on stdout or stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-logs-'));
    const port = await freePort();
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        http_server: { address: '127.0.0.1', port },
        log: { level: 'debug' },
        client: { token: { hmac_secret_key: TEST_SECRET } },
        http_api: { key: TEST_API_KEY },
      }),
    );
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SWITCHBOARD_CONFIG: '',
        SWITCHBOARD_API_KEY: '',
        SWITCHBOARD_TOKEN_HMAC_SECRET: '',
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(() => output.includes('switchboard listening'), 'the node to listen', 60_000).catch(
        (error: Error) => {
          throw new Error(`${error.message}; exit ${child.exitCode}; output:\n${output}`);
        },
      );
      const secrets = await exercise(
        `http://127.0.0.1:${port}`,
        `ws://127.0.0.1:${port}/connection/websocket`,
      );
      await waitFor(() => output.includes('bad frame'), 'a debug line');
      child.kill('SIGTERM');
      await exited;
      assertNoSecrets(output, secrets);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
