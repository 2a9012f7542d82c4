/**
 * `switchboard bench`: against an embedded node, a node in its own process and an insecure node it
 * reports every delivery with zero lost; unreachable targets, refused keys and bad tokens exit 1 with a
 * message naming the problem; usage errors exit 2.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  freePort,
  killAll,
  runCli,
  startCli,
  startNodeProcess,
  startTestNode,
  TEST_API_KEY,
  TEST_SECRET,
  waitFor,
} from '../harness/index.js';

const SMALL = ['--clients', '20', '--seconds', '2', '--rate', '10'];

/** The summary's figures. */
function summary(stdout: string): { connected: number; received: number; expected: number; lost: number } {
  const clients = /clients\s+(\d+)\/20 connected/.exec(stdout);
  const deliveries = /deliveries\s+(\d+) of (\d+) expected \([\d.]+\/s\), lost (\d+)/.exec(stdout);
  assert.ok(clients !== null && deliveries !== null, `no summary in:\n${stdout}`);
  assert.match(stdout, /latency\s+p50 [\d.]+ ms {2}p99 [\d.]+ ms {2}max [\d.]+ ms/);
  return {
    connected: Number(clients[1]),
    received: Number(deliveries[1]),
    expected: Number(deliveries[2]),
    lost: Number(deliveries[3]),
  };
}

after(killAll);

describe('cli: bench', () => {
  it('benchmarks an embedded node: progress lines, then a summary with nothing lost', async () => {
    const { code, stdout, stderr } = await runCli(['bench', ...SMALL], 60_000);
    assert.equal(code, 0, stderr + stdout);
    assert.match(stdout, /embedded node/);
    assert.match(stdout, /^connected 20\/20 in [\d.]+ s$/m);
    assert.match(
      stdout,
      /^\[ +\d+\.\ds\] connected 20\/20 {2}published \d+\/s {2}deliveries \d+\/s {2}bench lag \d+ ms$/m,
    );
    // One line per second of publishing, the last one at the end.
    assert.equal(stdout.match(/^\[ +[\d.]+s\] /gm)?.length, 2, stdout);
    const s = summary(stdout);
    assert.equal(s.connected, 20);
    assert.equal(s.lost, 0);
    assert.ok(s.expected >= 20 && s.expected % 20 === 0, `expected ${s.expected}`);
    assert.equal(s.received, s.expected);
  });

  it('Ctrl-C ends publishing early and still prints the summary', async () => {
    const cli = startCli(['bench', '--clients', '20', '--seconds', '600', '--rate', '10']);
    await waitFor(
      () => /\] connected 20\/20/.test(cli.stdout()) || cli.child.exitCode !== null,
      'a progress line',
      60_000,
    );
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    assert.equal(exit.code, 0, cli.stderr() + cli.stdout());
    assert.match(cli.stdout(), /interrupted: publishing stopped/);
    assert.equal(summary(cli.stdout()).lost, 0);
  });

  it('benchmarks a node in its own process with its API key and token secret', async () => {
    const node = await startNodeProcess('bench-target', {});
    try {
      const { code, stdout, stderr } = await runCli(
        [
          'bench',
          '--ws',
          node.wsUrl,
          '--api',
          node.baseUrl,
          '--api-key',
          TEST_API_KEY,
          '--token-secret',
          TEST_SECRET,
          ...SMALL,
          '--payload',
          '200',
          '--channel',
          'load',
        ],
        60_000,
      );
      assert.equal(code, 0, stderr + stdout);
      const s = summary(stdout);
      assert.equal(s.connected, 20);
      assert.equal(s.lost, 0);
      assert.ok(s.received > 0);
      assert.equal(s.received, s.expected);
    } finally {
      await node.stop();
    }
  });

  it('connects without tokens to an insecure node, the API URL derived from --ws', async () => {
    const node = await startTestNode({ client: { insecure: true } });
    try {
      const { code, stdout, stderr } = await runCli(
        ['bench', '--ws', node.wsUrl, '--api-key', TEST_API_KEY, '--insecure', ...SMALL],
        60_000,
      );
      assert.equal(code, 0, stderr + stdout);
      assert.equal(summary(stdout).lost, 0);
    } finally {
      await node.stop();
    }
  });

  it('exits 1 naming the problem: unreachable node, refused API key, wrong token secret', async () => {
    const node = await startTestNode();
    const closedPort = await freePort();
    try {
      const [unreachable, badKey, badSecret] = await Promise.all([
        runCli([
          'bench',
          '--ws',
          `ws://127.0.0.1:${closedPort}/connection/websocket`,
          '--insecure',
          ...SMALL,
        ]),
        runCli(['bench', '--ws', node.wsUrl, '--api-key', 'wrong', '--token-secret', TEST_SECRET, ...SMALL]),
        runCli(['bench', '--ws', node.wsUrl, '--api-key', TEST_API_KEY, '--token-secret', 'wrong', ...SMALL]),
      ]);
      assert.equal(unreachable.code, 1, unreachable.stderr);
      assert.match(
        unreachable.stderr,
        new RegExp(`cannot reach the server API at http://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`),
      );
      assert.equal(badKey.code, 1, badKey.stderr);
      assert.match(badKey.stderr, /refused the API key \(HTTP 401\)/);
      assert.equal(badSecret.code, 1, badSecret.stderr);
      assert.match(
        badSecret.stderr,
        /could not connect to ws:\/\/127\.0\.0\.1:\d+\/connection\/websocket \(\d+ of 20 connected\): closed with code 3500/,
      );
      for (const r of [unreachable, badKey, badSecret]) assert.doesNotMatch(r.stdout, /summary/);
    } finally {
      await node.stop();
    }
  });

  it('exits 2 on usage errors', async () => {
    const results = await Promise.all([
      runCli(['bench', '--ws', 'not a url', '--insecure']),
      runCli(['bench', '--ws', 'http://127.0.0.1:8000/connection/websocket', '--insecure']),
      runCli(['bench', '--ws', 'ws://127.0.0.1:8000/connection/websocket']),
      runCli(['bench', '--clients', '0']),
      runCli(['bench', '--rate', 'fast']),
      runCli(['bench', '--bogus']),
    ]);
    for (const result of results) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /bench/);
      assert.equal(result.stdout, '');
    }
    assert.match(results[2]!.stderr, /--token-secret .* or --insecure/);
  });
});
