/**
 * A self-signed certificate for `localhost` and 127.0.0.1, made with openssl at test time into a temp
 * dir; without openssl, the committed fixture under test/fixtures/tls (valid for a century) is used.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** PEM text of the certificate: the CA a client must trust. */
  cert: string;
  key: string;
  /** Whether openssl made it now (false: the committed fixture). */
  generated: boolean;
  /** Removes the temp dir, if any. */
  remove(): void;
}

const fixtureDir = new URL('../fixtures/tls/', import.meta.url).pathname;

export function makeCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  let certFile = join(dir, 'cert.pem');
  let keyFile = join(dir, 'key.pem');
  let generated = true;
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    certFile = join(fixtureDir, 'localhost.crt');
    keyFile = join(fixtureDir, 'localhost.key');
    generated = false;
  }
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    generated,
    remove,
  };
}
