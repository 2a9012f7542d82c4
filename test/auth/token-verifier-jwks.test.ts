import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, errors, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { TokenVerifier } from '../../src/auth/index.js';
import { JwksUnavailableError } from '../../src/auth/jwks-error.js';
import { tokenConfig } from './make-config.js';
import { rejectsWithToken } from './token-assert.js';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A JWKS served over real HTTP on a free port; counts the fetches. */
class JwksServer {
  requests = 0;
  keys: JWK[] = [];
  readonly #server: Server = createServer((req, res) => {
    this.requests++;
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((err) => (err ? reject(err) : resolve())),
    );
  }
}

function sign(
  claims: Record<string, unknown>,
  header: { alg: string; kid?: string },
  key: CryptoKey | Uint8Array,
) {
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

describe('TokenVerifier with a JWKS endpoint', () => {
  const server = new JwksServer();
  let base = '';
  let rsa: KeyPair;
  let ec: KeyPair;
  let rsaPem = '';

  before(async () => {
    base = await server.listen();
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    rsaPem = await exportSPKI(rsa.publicKey);
    server.keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
  });

  after(async () => {
    await server.close();
  });

  it('verifies RS256 and ES256 tokens with keys from the JWKS, fetching it once', async () => {
    const verifier = new TokenVerifier(tokenConfig({ jwks_public_endpoint: `${base}/jwks` }));
    const before = server.requests;
    const rs = await sign({ sub: 'rs' }, { alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey);
    const es = await sign({ sub: 'es', channel: 'c' }, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey);
    assert.equal((await verifier.verifyConnectToken(rs)).sub, 'rs');
    assert.equal((await verifier.verifySubscriptionToken(es)).channel, 'c');
    assert.equal((await verifier.verifyConnectToken(rs)).sub, 'rs');
    assert.equal(server.requests - before, 1, 'the key set is cached');
  });

  it('refuses a token signed with a key that is not in the set', async () => {
    const verifier = new TokenVerifier(tokenConfig({ jwks_public_endpoint: `${base}/jwks` }));
    const other = await generateKeyPair('RS256');
    const forged = await sign({ sub: '1' }, { alg: 'RS256', kid: 'rsa-1' }, other.privateKey);
    await rejectsWithToken(verifier.verifyConnectToken(forged), 'TOKEN_INVALID', forged);
    const unknownKid = await sign({ sub: '1' }, { alg: 'RS256', kid: 'nope' }, rsa.privateKey);
    const err = await rejectsWithToken(verifier.verifyConnectToken(unknownKid), 'TOKEN_INVALID', unknownKid);
    assert.ok(err.cause instanceof errors.JWKSNoMatchingKey);
  });

  it('never accepts HMAC tokens or alg none through the JWKS', async () => {
    const verifier = new TokenVerifier(tokenConfig({ jwks_public_endpoint: `${base}/jwks` }));
    const confused = await sign(
      { sub: '1' },
      { alg: 'HS256', kid: 'rsa-1' },
      new TextEncoder().encode(rsaPem),
    );
    const err = await rejectsWithToken(verifier.verifyConnectToken(confused), 'TOKEN_INVALID', confused);
    assert.ok(err.cause instanceof errors.JOSEAlgNotAllowed);
    const none = `${Buffer.from('{"alg":"none","kid":"rsa-1"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.`;
    await rejectsWithToken(verifier.verifyConnectToken(none), 'TOKEN_INVALID', none);
  });

  it('prefers a configured key over the JWKS for its algorithm', async () => {
    const other = await generateKeyPair('RS256', { extractable: true });
    const verifier = new TokenVerifier(
      tokenConfig({
        rsa_public_key: await exportSPKI(other.publicKey),
        jwks_public_endpoint: `${base}/jwks`,
      }),
    );
    const fromFile = await sign({ sub: 'file' }, { alg: 'RS256' }, other.privateKey);
    assert.equal((await verifier.verifyConnectToken(fromFile)).sub, 'file');
    const fromJwks = await sign({ sub: 'jwks' }, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey);
    assert.equal((await verifier.verifyConnectToken(fromJwks)).sub, 'jwks');
  });

  it('answers KEYS_UNAVAILABLE, not TOKEN_INVALID, when the JWKS cannot be fetched', async () => {
    const missing = new TokenVerifier(tokenConfig({ jwks_public_endpoint: `${base}/missing` }));
    const token = await sign({ sub: '1' }, { alg: 'RS256', kid: 'rsa-1' }, rsa.privateKey);
    const err = await rejectsWithToken(missing.verifyConnectToken(token), 'KEYS_UNAVAILABLE', token);
    assert.ok(err.cause instanceof JwksUnavailableError && err.cause.failure === 'status');
    assert.ok(!err.message.includes(base), 'the message names the configuration key, not the URL');

    const closed = new JwksServer();
    const closedBase = await closed.listen();
    await closed.close();
    const unreachable = new TokenVerifier(tokenConfig({ jwks_public_endpoint: `${closedBase}/jwks` }));
    const refused = await rejectsWithToken(unreachable.verifyConnectToken(token), 'KEYS_UNAVAILABLE', token);
    assert.ok(refused.cause instanceof JwksUnavailableError && refused.cause.failure === 'network');
  });
});
