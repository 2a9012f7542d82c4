import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isWellFormedJson, MAX_NUMERIC_DATE, numericClaimProblem } from '../../src/auth/claim-checks.js';
import { TokenVerifier } from '../../src/auth/index.js';
import { tokenConfig } from './make-config.js';
import { nowSeconds, rejectsWithToken } from './token-assert.js';

const SECRET = 'claims-secret-0123456789abcdef0123456789';

/** An HS256 JWT over payload JSON text as written (`1e999`, `"\ud800"` stay as they are). */
function signRaw(payloadJson: string): string {
  const header = Buffer.from('{"alg":"HS256"}').toString('base64url');
  const input = `${header}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

describe('TokenVerifier: claim ranges and Unicode', () => {
  const verifier = new TokenVerifier(tokenConfig({ hmac_secret_key: SECRET }));

  it('refuses dates that are not finite, negative or past year 9999 as TOKEN_INVALID', async () => {
    for (const date of ['1e999', '-1e999', '1e300', '-1', String(MAX_NUMERIC_DATE + 1)]) {
      for (const claim of ['exp', 'nbf', 'iat', 'expire_at']) {
        const token = signRaw(`{"sub":"a","channel":"c","${claim}":${date}}`);
        await rejectsWithToken(verifier.verifySubscriptionToken(token), 'TOKEN_INVALID', token);
        const connect = signRaw(`{"sub":"a","${claim}":${date}}`);
        await rejectsWithToken(verifier.verifyConnectToken(connect), 'TOKEN_INVALID', connect);
      }
    }
  });

  it('keeps TOKEN_EXPIRED for a date in range that is past, and accepts fractional dates', async () => {
    await rejectsWithToken(verifier.verifyConnectToken(signRaw('{"sub":"a","exp":0}')), 'TOKEN_EXPIRED');
    const exp = nowSeconds() + 60.25;
    assert.equal((await verifier.verifyConnectToken(signRaw(`{"sub":"a","exp":${exp}}`))).exp, exp);
    await rejectsWithToken(
      verifier.verifyConnectToken(signRaw('{"sub":"a","expire_at":1.5}')),
      'TOKEN_INVALID',
    );
  });

  it('refuses lone surrogates in sub, channels, channel and info', async () => {
    const connect = [
      '{"sub":"\\ud800"}',
      '{"sub":"a","channels":["\\udfff"]}',
      '{"sub":"a","info":{"\\ud800":0}}',
    ];
    for (const payload of connect) {
      await rejectsWithToken(verifier.verifyConnectToken(signRaw(payload)), 'TOKEN_INVALID');
    }
    const subscription = [
      '{"sub":"\\ud800","channel":"c"}',
      '{"sub":"a","channel":"c\\ud800"}',
      '{"sub":"a","channel":"c","info":"\\udc00"}',
    ];
    for (const payload of subscription) {
      await rejectsWithToken(verifier.verifySubscriptionToken(signRaw(payload)), 'TOKEN_INVALID');
    }
    assert.equal((await verifier.verifyConnectToken(signRaw('{"sub":"\\ud83d\\ude00"}'))).sub, '😀');
  });

  it('numericClaimProblem and isWellFormedJson', () => {
    assert.equal(numericClaimProblem({ exp: 1, nbf: 0, iat: MAX_NUMERIC_DATE, expire_at: 5 }), undefined);
    assert.match(numericClaimProblem({ exp: Number.POSITIVE_INFINITY }) ?? '', /"exp"/);
    assert.match(numericClaimProblem({ nbf: Number.NaN }) ?? '', /"nbf"/);
    assert.match(numericClaimProblem({ iat: '1' }) ?? '', /"iat"/);
    assert.equal(isWellFormedJson({ a: ['b', { c: 'd' }], e: 1, f: null }), true);
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(isWellFormedJson(deep), false);
  });
});
