/**
 * Reads and checks the certificate and key of `http_server.tls` at start-up, so a node with a missing,
 * unreadable or mismatched file refuses to start with an error naming the key to fix.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';
import type { TlsConfig } from './types.js';

/** PEM texts handed to `https.createServer`. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

type Source = { key: string; text: string };

/**
 * The certificate and key of an enabled `http_server.tls`; undefined when TLS is off.
 * @throws {ConfigError} keyed by the `http_server.tls.*` key whose file cannot be read, whose content is
 *   not PEM of the right kind, or whose key does not belong to the certificate.
 */
export async function loadTlsCredentials(tls: TlsConfig): Promise<TlsCredentials | undefined> {
  if (!tls.enabled) return undefined;
  const cert = await source(tls.cert_pem_file, tls.cert_pem, 'cert', 'certificate');
  const key = await source(tls.key_pem_file, tls.key_pem, 'key', 'private key');
  const certificate = parse(cert, 'a PEM certificate ("-----BEGIN CERTIFICATE-----")', (text) => {
    return new X509Certificate(text);
  });
  const privateKey = parse(key, 'a PEM private key ("-----BEGIN PRIVATE KEY-----")', (text): KeyObject => {
    return createPrivateKey(text);
  });
  if (!certificate.checkPrivateKey(privateKey)) {
    throw invalid(key.key, `the private key does not belong to the certificate in ${cert.key}`);
  }
  return { cert: cert.text, key: key.text };
}

async function source(file: string, inline: string, prefix: string, what: string): Promise<Source> {
  if (file === '') return { key: `http_server.tls.${prefix}_pem`, text: inline };
  const key = `http_server.tls.${prefix}_pem_file`;
  try {
    return { key, text: await readFile(file, 'utf8') };
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw invalid(key, `cannot read "${file}" (${reason}); expected a readable PEM ${what} file`, error);
  }
}

function parse<T>(from: Source, expected: string, read: (text: string) => T): T {
  try {
    return read(from.text);
  } catch (error) {
    throw invalid(from.key, `expected ${expected}, but it does not parse as one`, error);
  }
}

function invalid(key: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError([{ key, message }], cause === undefined ? {} : { cause });
}
