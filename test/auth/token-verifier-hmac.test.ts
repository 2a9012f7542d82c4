import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { errors, SignJWT } from 'jose';
import { signToken, TokenVerifier } from '../../src/auth/index.js';
import { makeConfig, tokenConfig } from './make-config.js';
import { b64json, nowSeconds, rejectsWithToken } from './token-assert.js';

const secret = 'test-secret-0123456789abcdef0123456789';
const verifier = new TokenVerifier(tokenConfig({ hmac_secret_key: secret }));

/** Signs with any header and claims, for cases signToken does not produce. */
function sign(header: Record<string, unknown>, claims: Record<string, unknown>, key = secret): string {
  const input = `${b64json(header)}.${b64json(claims)}`;
  const signature = createHmac('sha256', key).update(input).digest('base64url');
  return `${input}.${signature}`;
}

describe('TokenVerifier with an HMAC secret', () => {
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it(`accepts a good ${alg} connection token`, async () => {
      const token = await signToken({ sub: '42', info: { name: 'Ann' } }, secret, {
        alg,
        expiresInSeconds: 60,
      });
      const claims = await verifier.verifyConnectToken(token);
      assert.equal(claims.sub, '42');
      assert.deepEqual(claims.info, { name: 'Ann' });
      assert.ok(claims.exp !== undefined && claims.exp > nowSeconds());
    });
  }

  it('returns only the claims it knows', async () => {
    const token = await signToken({ sub: '1', channels: ['a', 'ns:b'], extra: 1 }, secret);
    assert.deepEqual(await verifier.verifyConnectToken(token), { sub: '1', channels: ['a', 'ns:b'] });
  });

  it('accepts an empty sub as an anonymous user', async () => {
    const token = await signToken({ sub: '' }, secret);
    assert.deepEqual(await verifier.verifyConnectToken(token), { sub: '' });
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signToken({ sub: '42' }, 'another-secret');
    const err = await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
    assert.ok(err.cause instanceof errors.JWSSignatureVerificationFailed);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const token = await signToken({ sub: '42' }, secret);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64json({ sub: '1' })}.${signature}`;
    await rejectsWithToken(verifier.verifyConnectToken(forged), 'TOKEN_INVALID', forged);
  });

  it('refuses alg none, with or without a signature', async () => {
    const unsigned = `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json({ sub: '42' })}.`;
    const err = await rejectsWithToken(verifier.verifyConnectToken(unsigned), 'TOKEN_INVALID', unsigned);
    assert.ok(err.cause instanceof errors.JOSEAlgNotAllowed);
    const withSignature = sign({ alg: 'none' }, { sub: '42' });
    await rejectsWithToken(verifier.verifyConnectToken(withSignature), 'TOKEN_INVALID', withSignature);
    const subscription = `${b64json({ alg: 'none' })}.${b64json({ sub: '42', channel: '$x' })}.`;
    await rejectsWithToken(verifier.verifySubscriptionToken(subscription), 'TOKEN_INVALID', subscription);
  });

  it('refuses a token whose header names an algorithm it does not use', async () => {
    // An HS256 signature presented as HS512 must not verify.
    const token = sign({ alg: 'HS512' }, { sub: '42' });
    await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const token = await signToken({ sub: '42' }, secret, { expiresInSeconds: -10 });
    const err = await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_EXPIRED', token);
    assert.ok(err.cause instanceof errors.JWTExpired);
    const sub = await signToken({ sub: '42', channel: 'c' }, secret, { expiresInSeconds: -10 });
    await rejectsWithToken(verifier.verifySubscriptionToken(sub), 'TOKEN_EXPIRED', sub);
  });

  it('refuses an exp of now (no tolerance by default)', async () => {
    const token = await signToken({ sub: '42', exp: nowSeconds() }, secret);
    await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_EXPIRED', token);
  });

  it('reports an expired token with a bad signature as invalid, not expired', async () => {
    const token = await signToken({ sub: '42' }, 'another-secret', { expiresInSeconds: -10 });
    await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
  });

  it('refuses a token whose nbf is in the future as expired (109 in Centrifugo too)', async () => {
    const token = await new SignJWT({ sub: '42' })
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore(nowSeconds() + 60)
      .sign(new TextEncoder().encode(secret));
    await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_EXPIRED', token);
    const subscription = await signToken({ sub: '42', channel: 'c', nbf: nowSeconds() + 60 }, secret);
    await rejectsWithToken(verifier.verifySubscriptionToken(subscription), 'TOKEN_EXPIRED', subscription);
    const notNumber = await signToken({ sub: '42', nbf: 'soon' }, secret);
    await rejectsWithToken(verifier.verifyConnectToken(notNumber), 'TOKEN_INVALID', notNumber);
  });

  it('accepts a token whose nbf has passed', async () => {
    const token = await signToken({ sub: '42', nbf: nowSeconds() - 1 }, secret);
    assert.equal((await verifier.verifyConnectToken(token)).sub, '42');
  });

  it('applies the clock tolerance option to exp and nbf', async () => {
    const tolerant = new TokenVerifier(tokenConfig({ hmac_secret_key: secret }), undefined, {
      clockToleranceSeconds: 30,
    });
    const expired = await signToken({ sub: '42' }, secret, { expiresInSeconds: -10 });
    assert.equal((await tolerant.verifyConnectToken(expired)).sub, '42');
    const early = await signToken({ sub: '42', nbf: nowSeconds() + 10 }, secret);
    assert.equal((await tolerant.verifyConnectToken(early)).sub, '42');
    const tooOld = await signToken({ sub: '42' }, secret, { expiresInSeconds: -60 });
    await rejectsWithToken(tolerant.verifyConnectToken(tooOld), 'TOKEN_EXPIRED', tooOld);
    assert.throws(
      () => new TokenVerifier(tokenConfig(), undefined, { clockToleranceSeconds: -1 }),
      RangeError,
    );
  });

  it('checks aud and iss when configured', async () => {
    const strict = new TokenVerifier(tokenConfig({ hmac_secret_key: secret, audience: 'sb', issuer: 'app' }));
    const good = await signToken({ sub: '42', aud: 'sb', iss: 'app' }, secret);
    assert.equal((await strict.verifyConnectToken(good)).sub, '42');
    const inList = await signToken({ sub: '42', aud: ['other', 'sb'], iss: 'app' }, secret);
    assert.equal((await strict.verifyConnectToken(inList)).sub, '42');
    for (const claims of [
      { sub: '42', aud: 'other', iss: 'app' },
      { sub: '42', aud: 'sb', iss: 'other' },
      { sub: '42', iss: 'app' },
      { sub: '42', aud: 'sb' },
    ]) {
      const token = await signToken(claims, secret);
      const err = await rejectsWithToken(strict.verifyConnectToken(token), 'TOKEN_INVALID', token);
      assert.ok(err.cause instanceof errors.JWTClaimValidationFailed);
    }
  });

  it('ignores aud and iss when not configured', async () => {
    const token = await signToken({ sub: '42', aud: 'anything', iss: 'anyone' }, secret);
    assert.equal((await verifier.verifyConnectToken(token)).sub, '42');
  });

  it('refuses malformed token strings', async () => {
    for (const token of [
      '',
      'abc',
      'a.b.c',
      '..',
      'a.b',
      'a.b.c.d',
      `${b64json({ alg: 'HS256' })}.abc.def`,
    ]) {
      await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
      await rejectsWithToken(verifier.verifySubscriptionToken(token), 'TOKEN_INVALID', token);
    }
    await rejectsWithToken(verifier.verifyConnectToken(undefined as unknown as string), 'TOKEN_INVALID');
  });

  it('refuses a payload that is not a JSON object', async () => {
    const token = `${b64json({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}`;
    const signed = `${token}.${createHmac('sha256', secret).update(token).digest('base64url')}`;
    await rejectsWithToken(verifier.verifyConnectToken(signed), 'TOKEN_INVALID', signed);
    const array = sign({ alg: 'HS256' }, ['sub'] as unknown as Record<string, unknown>);
    await rejectsWithToken(verifier.verifyConnectToken(array), 'TOKEN_INVALID', array);
  });

  it('checks the connection claims', async () => {
    for (const claims of [
      { sub: 42 },
      { sub: {} },
      { sub: '1', channels: 'a' },
      { sub: '1', channels: ['a', 1] },
      { sub: '1', exp: 'tomorrow' },
      { sub: '1', channel: 'news' },
      { sub: '1', channel: 7 },
    ]) {
      const token = await signToken(claims, secret);
      await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
    }
  });

  it('reads a missing or null sub as the anonymous user, as Centrifugo does', async () => {
    for (const claims of [{}, { sub: null }, { info: { a: 1 } }]) {
      const token = await signToken(claims, secret);
      assert.equal((await verifier.verifyConnectToken(token)).sub, '', JSON.stringify(claims));
    }
    const subscription = await signToken({ channel: '$p' }, secret);
    assert.deepEqual(await verifier.verifySubscriptionToken(subscription), { sub: '', channel: '$p' });
  });

  it('accepts what Go decodes to zero values: channels null, an empty channel claim', async () => {
    const token = await signToken({ sub: '1', channels: null, channel: '' }, secret);
    assert.deepEqual(await verifier.verifyConnectToken(token), { sub: '1' });
  });

  it('refuses a token with an undecodable claim as invalid even when it has expired too', async () => {
    for (const claims of [{ sub: 1 }, { sub: '1', channel: 'news' }, { sub: '1', channels: 'a' }]) {
      const token = await signToken(claims, secret, { expiresInSeconds: -10 });
      await rejectsWithToken(verifier.verifyConnectToken(token), 'TOKEN_INVALID', token);
    }
    const subscription = await signToken({ sub: 1, channel: 'c' }, secret, { expiresInSeconds: -10 });
    await rejectsWithToken(verifier.verifySubscriptionToken(subscription), 'TOKEN_INVALID', subscription);
    // A subscription token without channel that expired is expired: Centrifugo checks dates first.
    const noChannel = await signToken({ sub: '1' }, secret, { expiresInSeconds: -10 });
    await rejectsWithToken(verifier.verifySubscriptionToken(noChannel), 'TOKEN_EXPIRED', noChannel);
  });

  it('checks the subscription claims and returns them', async () => {
    const token = await signToken({ sub: '42', channel: '$secret', info: [1], other: true }, secret);
    assert.deepEqual(await verifier.verifySubscriptionToken(token), {
      sub: '42',
      channel: '$secret',
      info: [1],
    });
    const limited = await signToken({ sub: '42', channel: 'c', client: 'abc' }, secret);
    assert.equal((await verifier.verifySubscriptionToken(limited)).client, 'abc');
    for (const claims of [
      { sub: 1, channel: 'a' },
      { sub: '42' },
      { sub: '42', channel: '' },
      { sub: '42', channel: 5 },
      { sub: '42', channel: 'a', client: 5 },
    ]) {
      const bad = await signToken(claims, secret);
      await rejectsWithToken(verifier.verifySubscriptionToken(bad), 'TOKEN_INVALID', bad);
    }
  });

  it('returns sub and channel of a subscription token as they are: matching is the caller’s job', async () => {
    const token = await signToken({ sub: 'someone-else', channel: 'other-channel' }, secret);
    const claims = await verifier.verifySubscriptionToken(token);
    assert.equal(claims.sub, 'someone-else');
    assert.equal(claims.channel, 'other-channel');
  });

  it('verifies subscription tokens with the connection keys when no subscription keys are given', async () => {
    const token = await signToken({ sub: '', channel: 'c' }, secret);
    assert.equal((await verifier.verifySubscriptionToken(token)).channel, 'c');
  });

  it('keeps separate subscription keys apart from connection keys', async () => {
    const split = new TokenVerifier(
      tokenConfig({ hmac_secret_key: secret }),
      tokenConfig({ hmac_secret_key: 'subscription-secret' }),
    );
    const connect = await signToken({ sub: '1', channel: 'c' }, secret);
    await rejectsWithToken(split.verifySubscriptionToken(connect), 'TOKEN_INVALID', connect);
    const subscription = await signToken({ sub: '1', channel: 'c' }, 'subscription-secret');
    assert.equal((await split.verifySubscriptionToken(subscription)).channel, 'c');
    const connectWithSubKey = await signToken({ sub: '1' }, 'subscription-secret');
    await rejectsWithToken(split.verifyConnectToken(connectWithSubKey), 'TOKEN_INVALID', connectWithSubKey);
  });

  it('builds from a resolved config, using subscription keys only when enabled', async () => {
    const token = await signToken({ sub: '1', channel: 'c' }, secret);
    const disabled = TokenVerifier.fromConfig(
      makeConfig({ token: { hmac_secret_key: secret }, subscriptionToken: { hmac_secret_key: 'other' } }),
    );
    assert.equal((await disabled.verifySubscriptionToken(token)).channel, 'c');
    const enabled = TokenVerifier.fromConfig(
      makeConfig({
        token: { hmac_secret_key: secret },
        subscriptionToken: { enabled: true, hmac_secret_key: 'other' },
      }),
    );
    await rejectsWithToken(enabled.verifySubscriptionToken(token), 'TOKEN_INVALID', token);
  });

  it('refuses every token when no key is configured, naming the keys to set', async () => {
    const empty = new TokenVerifier(tokenConfig(), tokenConfig());
    const token = await signToken({ sub: '1', channel: 'c' }, secret);
    const err = await rejectsWithToken(empty.verifyConnectToken(token), 'TOKEN_INVALID', token);
    // The one message check: the brief requires it to name the configuration keys.
    assert.match(err.message, /client\.token\.hmac_secret_key/);
    assert.match(err.message, /jwks_public_endpoint/);
    const subErr = await rejectsWithToken(empty.verifySubscriptionToken(token), 'TOKEN_INVALID', token);
    assert.match(subErr.message, /client\.subscription_token\.hmac_secret_key/);
    const unsigned = `${b64json({ alg: 'none' })}.${b64json({ sub: '1' })}.`;
    await rejectsWithToken(empty.verifyConnectToken(unsigned), 'TOKEN_INVALID', unsigned);
  });
});
