/** `switchboard serve` with generated development secrets enables the admin UI with a printed password. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../harness/index.js';
import { adminCall, adminLogin } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('admin: development run', () => {
  const port = freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));
  let child: ReturnType<typeof spawn> | undefined;
  after(() => {
    child?.kill('SIGKILL');
  });

  it('prints a generated admin password that logs in', async () => {
    const p = await port;
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(p), '--address', '127.0.0.1'],
      { cwd: ROOT, env: { ...env, SWITCHBOARD_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    await waitFor(() => /password: \S+/.test(out), 'the admin password in the banner', 30_000);
    assert.match(out, new RegExp(`Admin UI: http://127\\.0\\.0\\.1:${p}/admin/`));
    const password = /password: (\S+)/.exec(out)![1]!;
    const base = `http://127.0.0.1:${p}`;
    assert.equal((await adminLogin(base, `${password}x`)).status, 401);
    const res = await adminLogin(base, password);
    assert.equal(res.status, 200);
    const { token } = (await res.json()) as { token: string };
    assert.equal((await adminCall(base, token, 'info')).status, 200);
    assert.equal((await fetch(`${base}/admin/app.js`)).status, 200);
  });
});
