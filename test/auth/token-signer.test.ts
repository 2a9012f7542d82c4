import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { generateSecret, signToken, TokenVerifier } from '../../src/auth/index.js';
import { tokenConfig } from './make-config.js';
import { nowSeconds } from './token-assert.js';

describe('signToken', () => {
  it('signs HS256 by default, with iat and without exp', async () => {
    const secret = generateSecret();
    const token = await signToken({ sub: '7' }, secret);
    assert.equal(decodeProtectedHeader(token).alg, 'HS256');
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(payload['sub'], '7');
    assert.equal(typeof payload['iat'], 'number');
    assert.equal(payload['exp'], undefined);
  });

  it('sets exp from expiresInSeconds and signs with the chosen algorithm', async () => {
    const secret = generateSecret();
    const verifier = new TokenVerifier(tokenConfig({ hmac_secret_key: secret }));
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const token = await signToken({ sub: '7', exp: 1 }, secret, { alg, expiresInSeconds: 3600 });
      assert.equal(decodeProtectedHeader(token).alg, alg);
      const claims = await verifier.verifyConnectToken(token);
      assert.ok(claims.exp !== undefined && Math.abs(claims.exp - (nowSeconds() + 3600)) <= 1);
    }
  });

  it('refuses an empty secret and a non-finite lifetime', async () => {
    await assert.rejects(signToken({ sub: '1' }, ''), RangeError);
    await assert.rejects(signToken({ sub: '1' }, 's', { expiresInSeconds: Number.NaN }), RangeError);
  });
});

describe('generateSecret', () => {
  it('returns base64url of the requested number of random bytes', () => {
    const secret = generateSecret();
    assert.match(secret, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(secret, 'base64url').length, 32);
    assert.equal(Buffer.from(generateSecret(64), 'base64url').length, 64);
    assert.notEqual(generateSecret(), generateSecret());
  });

  it('refuses a byte count that is not a positive integer', () => {
    for (const bytes of [0, -1, 1.5, Number.NaN, 4096])
      assert.throws(() => generateSecret(bytes), RangeError);
  });
});
