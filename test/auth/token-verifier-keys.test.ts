import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { type CryptoKey, errors, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { TokenKeyError, TokenVerifier } from '../../src/auth/index.js';
import { tokenConfig } from './make-config.js';
import { rejectsWithToken } from './token-assert.js';

interface Pair {
  privateKey: CryptoKey;
  pem: string;
}

async function pair(alg: string, options: { crv?: string } = {}): Promise<Pair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { ...options, extractable: true });
  return { privateKey, pem: await exportSPKI(publicKey) };
}

function sign(claims: Record<string, unknown>, alg: string, key: CryptoKey | Uint8Array): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

describe('TokenVerifier with public keys', async () => {
  const rsa = await pair('RS256');
  const otherRsa = await pair('RS256');
  const ec256 = await pair('ES256');
  const ec384 = await pair('ES384');
  const ed = await pair('EdDSA');

  it('accepts RS256/384/512 and PS256/384/512 tokens signed with the RSA key', async () => {
    const verifier = new TokenVerifier(tokenConfig({ rsa_public_key: rsa.pem }));
    for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']) {
      // The same RSA key material signs under every RSA algorithm.
      const token = await sign({ sub: alg }, alg, await importAs(rsa.privateKey, alg));
      assert.equal((await verifier.verifyConnectToken(token)).sub, alg);
    }
  });

  it('refuses an RS256 token signed with another RSA key', async () => {
    const verifier = new TokenVerifier(tokenConfig({ rsa_public_key: rsa.pem }));
    const token = await sign({ sub: '1' }, 'RS256', otherRsa.privateKey);
    await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
  });

  it('refuses an HS256 token signed with the RSA public key PEM as secret (algorithm confusion)', async () => {
    const verifier = new TokenVerifier(tokenConfig({ rsa_public_key: rsa.pem }));
    for (const secret of [rsa.pem, rsa.pem.trim(), `${rsa.pem.trim()}\n`]) {
      const token = await sign({ sub: 'attacker' }, 'HS256', new TextEncoder().encode(secret));
      const err = await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
      assert.ok(err.cause instanceof errors.JOSEAlgNotAllowed);
      const sub = await sign({ sub: 'attacker', channel: '$x' }, 'HS256', new TextEncoder().encode(secret));
      await rejectsWithToken(verifier.verifySubscriptionToken(sub), 'TOKEN_INVALID', sub);
    }
  });

  it('refuses tokens of a family with no configured key', async () => {
    const hmacOnly = new TokenVerifier(tokenConfig({ hmac_secret_key: 'secret' }));
    const rs = await sign({ sub: '1' }, 'RS256', rsa.privateKey);
    await rejectsWithToken(hmacOnly.verifyConnectToken(rs), 'TOKEN_INVALID', rs);
    const rsaOnly = new TokenVerifier(tokenConfig({ rsa_public_key: rsa.pem }));
    const es = await sign({ sub: '1' }, 'ES256', ec256.privateKey);
    await rejectsWithToken(rsaOnly.verifyConnectToken(es), 'TOKEN_INVALID', es);
    const eddsa = await sign({ sub: '1' }, 'EdDSA', ed.privateKey);
    await rejectsWithToken(rsaOnly.verifyConnectToken(eddsa), 'TOKEN_INVALID', eddsa);
  });

  it('accepts ES256 with a P-256 key and ES384 with a P-384 key, refusing the other curve', async () => {
    const p256 = new TokenVerifier(tokenConfig({ ecdsa_public_key: ec256.pem }));
    const es256 = await sign({ sub: 'es' }, 'ES256', ec256.privateKey);
    assert.equal((await p256.verifyConnectToken(es256)).sub, 'es');
    const p384 = new TokenVerifier(tokenConfig({ ecdsa_public_key: ec384.pem }));
    const es384 = await sign({ sub: 'es' }, 'ES384', ec384.privateKey);
    assert.equal((await p384.verifyConnectToken(es384)).sub, 'es');
    await rejectsWithToken(p384.verifyConnectToken(es256), 'TOKEN_INVALID', es256);
    await rejectsWithToken(p256.verifyConnectToken(es384), 'TOKEN_INVALID', es384);
  });

  it('accepts EdDSA (and the Ed25519 alg name) with the Ed25519 key', async () => {
    const verifier = new TokenVerifier(tokenConfig({ ed25519_public_key: ed.pem }));
    const token = await sign({ sub: 'ed', channel: 'c' }, 'EdDSA', ed.privateKey);
    assert.deepEqual(await verifier.verifySubscriptionToken(token), { sub: 'ed', channel: 'c' });
    const named = await sign({ sub: 'ed' }, 'Ed25519', await importAs(ed.privateKey, 'Ed25519'));
    assert.equal((await verifier.verifyConnectToken(named)).sub, 'ed');
    const other = await pair('EdDSA');
    const forged = await sign({ sub: 'ed' }, 'EdDSA', other.privateKey);
    await rejectsWithToken(verifier.verifyConnectToken(forged), 'TOKEN_INVALID', forged);
  });

  it('accepts every configured family at once', async () => {
    const verifier = new TokenVerifier(
      tokenConfig({
        hmac_secret_key: 'secret',
        rsa_public_key: rsa.pem,
        ecdsa_public_key: ec256.pem,
        ed25519_public_key: ed.pem,
      }),
    );
    const tokens = [
      await sign({ sub: 'hs' }, 'HS256', new TextEncoder().encode('secret')),
      await sign({ sub: 'rs' }, 'RS256', rsa.privateKey),
      await sign({ sub: 'es' }, 'ES256', ec256.privateKey),
      await sign({ sub: 'ed' }, 'EdDSA', ed.privateKey),
    ];
    const subs = await Promise.all(tokens.map(async (t) => (await verifier.verifyConnectToken(t)).sub));
    assert.deepEqual(subs, ['hs', 'rs', 'es', 'ed']);
    // With an HMAC secret configured too, the RSA PEM is still not the secret.
    const confused = await sign({ sub: 'x' }, 'HS256', new TextEncoder().encode(rsa.pem));
    await rejectsWithToken(verifier.verifyConnectToken(confused), 'TOKEN_INVALID', confused);
  });

  it('refuses unusable keys at construction with TOKEN_KEY_INVALID', async () => {
    const privatePem = await exportPKCS8(rsa.privateKey);
    const rsaPkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'pkcs1',
      format: 'pem',
    });
    const cases: Array<[Parameters<typeof tokenConfig>[0], string]> = [
      [{ rsa_public_key: 'not a pem' }, 'client.token.rsa_public_key'],
      [{ rsa_public_key: privatePem }, 'client.token.rsa_public_key'],
      [{ rsa_public_key: ec256.pem }, 'client.token.rsa_public_key'],
      [{ ecdsa_public_key: rsa.pem }, 'client.token.ecdsa_public_key'],
      [{ ed25519_public_key: ec256.pem }, 'client.token.ed25519_public_key'],
      [{ jwks_public_endpoint: 'not a url' }, 'client.token.jwks_public_endpoint'],
      [{ jwks_public_endpoint: 'ftp://example.com/jwks' }, 'client.token.jwks_public_endpoint'],
    ];
    for (const [config, key] of cases) {
      assert.throws(
        () => new TokenVerifier(tokenConfig(config)),
        (err: unknown) => err instanceof TokenKeyError && err.code === 'TOKEN_KEY_INVALID' && err.key === key,
      );
    }
    assert.throws(
      () => new TokenVerifier(tokenConfig(), tokenConfig({ rsa_public_key: 'bad' })),
      (err: unknown) =>
        err instanceof TokenKeyError && err.key === 'client.subscription_token.rsa_public_key',
    );
    // A PKCS#1 RSA public key is a public key too.
    const pkcs1 = new TokenVerifier(tokenConfig({ rsa_public_key: String(rsaPkcs1) }));
    assert.ok(pkcs1 instanceof TokenVerifier);
  });
});

/** Re-imports a private key for another algorithm of the same key type. */
async function importAs(key: CryptoKey, alg: string): Promise<CryptoKey> {
  return importPKCS8(await exportPKCS8(key), alg, { extractable: true });
}
