/**
 * `switchboard defaultconfig` and `defaultenv`, run as the CLI: the printed file holds every key of
 * the resolved defaults (durations as strings) and reads back as exactly the defaults; the printed
 * variables are every configuration variable and, loaded as the environment, give the defaults too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { configVariables, defaultConfig, loadConfig, resolveConfig } from '../../src/config/index.js';
import { runCli } from '../harness/index.js';

/** Every leaf path of a tree (arrays are leaves). */
function leaves(tree: Record<string, unknown>, at: string[] = []): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? leaves(value as Record<string, unknown>, [...at, key])
      : [[...at, key].join('.')],
  );
}

describe('switchboard defaultconfig', () => {
  it('prints every key with its default as YAML, durations as strings, and it reads back as the defaults', async () => {
    const { code, stdout, stderr } = await runCli(['defaultconfig']);
    assert.equal(code, 0, stderr);
    const printed = parse(stdout) as Record<string, unknown>;
    const defaults = defaultConfig();
    assert.deepEqual(resolveConfig(printed), defaults);
    const expected = leaves(defaults as unknown as Record<string, unknown>).filter(
      (k) => k !== 'engine.type',
    );
    assert.deepEqual(leaves(printed).sort(), expected.sort(), 'every key but engine.type (derived)');
    const client = printed['client'] as Record<string, unknown>;
    assert.equal(client['ping_interval'], '25s');
    assert.equal(client['stale_close_delay'], '10s');
    assert.equal((printed['shutdown'] as Record<string, unknown>)['timeout'], '10s');
    assert.equal((printed['http_api'] as Record<string, unknown>)['idempotency_ttl'], '5m');
    assert.equal(
      typeof (printed['http_server'] as Record<string, unknown>)['port'],
      'number',
      'ports stay numbers',
    );
  });

  it('prints JSON with --format json, and refuses another format with exit code 2', async () => {
    const json = await runCli(['defaultconfig', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(resolveConfig(JSON.parse(json.stdout)), defaultConfig());
    const bad = await runCli(['defaultconfig', '--format', 'toml']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be yaml or json/);
  });
});

describe('switchboard defaultenv', () => {
  it('prints every configuration variable of a key, and loaded as the environment they give the defaults', async () => {
    const { code, stdout, stderr } = await runCli(['defaultenv']);
    assert.equal(code, 0, stderr);
    const env: Record<string, string> = {};
    for (const line of stdout.trim().split('\n')) {
      const at = line.indexOf('=');
      env[line.slice(0, at)] = line.slice(at + 1);
    }
    const keys = [...configVariables()]
      .filter(([, key]) => key.kind !== 'json' && key.path.join('.') !== 'engine.type')
      .map(([name]) => name);
    assert.deepEqual(Object.keys(env).sort(), keys.sort());
    assert.equal(env['SWITCHBOARD_CLIENT_PING_INTERVAL'], '25s');
    assert.equal(env['SWITCHBOARD_CLIENT_ALLOWED_ORIGINS'], '[]');
    assert.deepEqual(await loadConfig({ env }), defaultConfig());
  });
});
