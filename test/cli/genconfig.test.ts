/**
 * `switchboard genconfig`: the written file passes checkconfig, a node starts with it and accepts its
 * secrets; an existing file is kept unless --force; YAML and JSON; usage errors.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startSwitchboard } from '../../src/app.js';
import { signToken } from '../../src/auth/token-signer.js';
import { hasAdminSection } from '../../src/cli/genconfig.js';
import { loadConfig } from '../../src/config/index.js';
import { connected, newClient } from '../harness/centrifuge-client.js';
import { killAll, runCli } from '../harness/cli.js';

describe('cli: genconfig', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-genconfig-'));
  });
  after(async () => {
    killAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a private YAML config that checkconfig accepts and a node starts with', async () => {
    const file = join(dir, 'config.yaml');
    const written = await runCli(['genconfig', '--output', file]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /wrote .*config\.yaml/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const raw = parse(await readFile(file, 'utf8')) as {
      client: { token: { hmac_secret_key: string } };
      http_api: { key: string };
      admin?: { enabled?: boolean; password: string; secret: string };
    };
    assert.ok(raw.client.token.hmac_secret_key.length >= 32);
    assert.ok(raw.http_api.key.length >= 24);
    if (hasAdminSection()) {
      assert.ok((raw.admin?.password.length ?? 0) >= 16);
      assert.ok((raw.admin?.secret.length ?? 0) >= 32);
      assert.notEqual(raw.admin?.enabled, true, 'the admin UI stays off until asked for');
    } else {
      assert.equal(raw.admin, undefined);
    }

    const checked = await runCli(['checkconfig', '--config', file]);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /configuration is valid/);

    // A node started from the file (port 0 for the test) accepts a token signed with the file's secret
    // and an API call with the file's key, and serves the sample namespace's history.
    const config = await loadConfig({
      file,
      env: {},
      flags: { port: '0', address: '127.0.0.1', logLevel: 'silent' },
    });
    const app = await startSwitchboard(config);
    const client = newClient(`ws://127.0.0.1:${app.address.port}/connection/websocket`);
    try {
      client.setToken(
        await signToken({ sub: 'u1' }, raw.client.token.hmac_secret_key, { expiresInSeconds: 60 }),
      );
      client.connect();
      await connected(client);
      const publish = await fetch(`http://127.0.0.1:${app.address.port}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': raw.http_api.key },
        body: '{"channel":"chat:lobby","data":{"n":1}}',
      });
      assert.equal(publish.status, 200);
      const body = (await publish.json()) as { result: { offset?: number } };
      assert.equal(body.result.offset, 1, 'chat keeps history');
    } finally {
      client.disconnect();
      await app.stop();
    }
  });

  it('refuses to overwrite without --force (exit 2, file unchanged), overwrites with it', async () => {
    const file = join(dir, 'existing.yaml');
    await writeFile(file, 'http_server:\n  port: 9999\n');
    const refused = await runCli(['genconfig', '-o', file]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /exists; pass --force/);
    assert.equal(await readFile(file, 'utf8'), 'http_server:\n  port: 9999\n');

    const forced = await runCli(['genconfig', '-o', file, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(await readFile(file, 'utf8'), 'http_server:\n  port: 9999\n');
    assert.equal((await runCli(['checkconfig', '-c', file])).code, 0);
  });

  it('writes JSON for a .json name, with the Redis engine when asked; fresh secrets every time', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const [ra, rb] = await Promise.all([
      runCli(['genconfig', '-o', a, '--engine', 'redis', '--redis-url', 'redis://10.0.0.1:6380']),
      runCli(['genconfig', '-o', b]),
    ]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    const ja = JSON.parse(await readFile(a, 'utf8'));
    const jb = JSON.parse(await readFile(b, 'utf8'));
    assert.deepEqual(ja.engine, { type: 'redis', redis: { address: 'redis://10.0.0.1:6380' } });
    assert.equal(jb.engine, undefined);
    assert.notEqual(ja.client.token.hmac_secret_key, jb.client.token.hmac_secret_key);
    assert.notEqual(ja.http_api.key, jb.http_api.key);
    const config = await loadConfig({ file: a, env: {} });
    assert.equal(config.engine.type, 'redis');
  });

  it('exits 2 on usage errors', async () => {
    const results = await Promise.all([
      runCli(['genconfig', '-o', join(dir, 'x.yaml'), '--engine', 'mongo']),
      runCli(['genconfig', '-o', join(dir, 'y.yaml'), '--engine', 'memory', '--redis-url', 'redis://h:1']),
      runCli(['genconfig', '-o', join(dir, 'z.yaml'), '--bogus']),
    ]);
    for (const result of results) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /genconfig/);
    }
    await assert.rejects(stat(join(dir, 'x.yaml')));
  });
});
