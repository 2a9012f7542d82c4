/**
 * `http_server.tls` settings that cannot work stop the start (and `switchboard checkconfig`) with an
 * error naming the key to fix.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/index.js';
import { startTestNode } from '../harness/node.js';
import { makeCertificate, type TestCertificate } from './tls-cert.js';

/** The ConfigError a start with these TLS settings fails with. */
async function startError(tls: Record<string, unknown>): Promise<ConfigError> {
  try {
    const node = await startTestNode({ http_server: { tls: { enabled: true, ...tls } } });
    await node.stop();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('the node started');
}

describe('TLS settings checked at start-up', () => {
  let cert: TestCertificate;
  let other: TestCertificate;
  let dir: string;
  before(() => {
    cert = makeCertificate();
    other = makeCertificate();
    dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-bad-'));
  });
  after(() => {
    cert.remove();
    other.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names cert_pem_file and key_pem_file when TLS is enabled without them', async () => {
    const error = await startError({});
    assert.deepEqual(
      error.issues.map((i) => i.key),
      ['http_server.tls.cert_pem_file', 'http_server.tls.key_pem_file'],
    );
  });

  it('refuses a file and inline PEM for the same thing', async () => {
    const error = await startError({ cert_pem_file: cert.certFile, cert_pem: cert.cert, key_pem: cert.key });
    assert.equal(error.key, 'http_server.tls.cert_pem');
  });

  it('names the key of a missing or unreadable file, with the reason', async () => {
    const missing = await startError({ cert_pem_file: join(dir, 'nope.pem'), key_pem_file: cert.keyFile });
    assert.equal(missing.key, 'http_server.tls.cert_pem_file');
    assert.match(missing.message, /ENOENT/);
    // A directory cannot be read as a file, whoever runs the test (root reads a chmod 000 file).
    const unreadable = await startError({ cert_pem_file: cert.certFile, key_pem_file: dir });
    assert.equal(unreadable.key, 'http_server.tls.key_pem_file');
    assert.match(unreadable.message, /EISDIR/);
  });

  it('names the key whose content is not PEM of the right kind', async () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const badCert = await startError({ cert_pem_file: junk, key_pem_file: cert.keyFile });
    assert.equal(badCert.key, 'http_server.tls.cert_pem_file');
    // A certificate where the key belongs is not a private key.
    const badKey = await startError({ cert_pem_file: cert.certFile, key_pem_file: cert.certFile });
    assert.equal(badKey.key, 'http_server.tls.key_pem_file');
    const inline = await startError({ cert_pem: cert.cert, key_pem: 'junk' });
    assert.equal(inline.key, 'http_server.tls.key_pem');
  });

  it('names key_pem_file when the key does not belong to the certificate', async () => {
    const error = await startError({ cert_pem_file: cert.certFile, key_pem_file: other.keyFile });
    assert.equal(error.key, 'http_server.tls.key_pem_file');
    assert.match(error.message, /does not belong to the certificate/);
  });

  it('is checked by switchboard checkconfig, which exits 1 naming the key', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        http_server: {
          tls: { enabled: true, cert_pem_file: join(dir, 'gone.pem'), key_pem_file: cert.keyFile },
        },
      }),
    );
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', main, 'checkconfig', '--config', file],
        { env: { ...process.env, SWITCHBOARD_CONFIG: '' }, timeout: 30_000 },
        (error, _stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stderr }),
      );
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /http_server\.tls\.cert_pem_file: cannot read .*gone\.pem.*ENOENT/);
  });
});
