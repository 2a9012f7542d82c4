/**
 * The HMAC fast path against jose itself: every token it accepts, jose accepts with the same
 * payload (so it never lets through what jose would refuse), and it does accept ordinary valid
 * tokens (so the fast path is actually taken). Tokens are built by jose and by hand around every
 * point jose checks.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { jwtVerify, SignJWT } from 'jose';
import { HmacFastPath } from '../../src/auth/hmac-fast-path.js';

const SECRET = 'fast-path-secret-0123456789abcdef';
const secret = new TextEncoder().encode(SECRET);
const HS = new Set(['HS256', 'HS384', 'HS512']);
const now = Math.floor(Date.now() / 1000);

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** A token from raw header and payload text, signed with `alg`'s hash over exactly those bytes. */
function raw(header: unknown, payload: unknown, alg = 'HS256', key: string = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg] ?? 'sha256';
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

async function jose(
  token: string,
  options: { audience?: string; issuer?: string; clockTolerance: number },
): Promise<unknown> {
  try {
    return (await jwtVerify(token, secret, { algorithms: [...HS], ...options })).payload;
  } catch (err) {
    return err;
  }
}

/** Asserts the fast path's answer is jose's when it answers, and that it answers when `accept`. */
async function check(
  token: string,
  accept: boolean,
  claims: { audience?: string; issuer?: string } = {},
  clockTolerance = 0,
): Promise<void> {
  const fast = new HmacFastPath(secret, HS, {
    audience: claims.audience,
    issuer: claims.issuer,
  }).verify(token, clockTolerance);
  const slow = await jose(token, { ...claims, clockTolerance });
  if (fast !== undefined) {
    assert.ok(!(slow instanceof Error), `fast path accepted what jose refused (${String(slow)}): ${token}`);
    assert.deepEqual(fast, slow);
  }
  assert.equal(
    fast !== undefined,
    accept,
    `fast path ${fast === undefined ? 'declined' : 'accepted'}: ${token}`,
  );
}

describe('HmacFastPath', () => {
  it('accepts what jose signs with each HMAC algorithm, with the same payload', async () => {
    for (const alg of HS) {
      const token = await new SignJWT({ sub: 'u1', info: { a: 1 }, channels: ['x'] })
        .setProtectedHeader({ alg, typ: 'JWT', kid: 'k' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(secret);
      await check(token, true);
    }
    await check(raw({ alg: 'HS256' }, { sub: '' }), true);
    await check(raw({ alg: 'HS512' }, {}, 'HS512'), true);
  });

  it('declines bad signatures, other keys, other algorithms and alg none', async () => {
    const good = raw({ alg: 'HS256' }, { sub: 'u' });
    const [h, p, s] = good.split('.');
    await check(`${h}.${p}.${s!.slice(0, -2)}AA`, false);
    await check(`${h}.${b64({ sub: 'admin' })}.${s}`, false);
    await check(raw({ alg: 'HS256' }, { sub: 'u' }, 'HS256', 'another-secret'), false);
    await check(raw({ alg: 'HS384' }, { sub: 'u' }, 'HS256'), false);
    await check(`${b64({ alg: 'none' })}.${p}.`, false);
    await check(raw({ alg: 'RS256' }, { sub: 'u' }), false);
    await check(raw({ alg: 'hs256' }, { sub: 'u' }), false);
    await check(raw({}, { sub: 'u' }), false);
    await check(raw({ alg: 256 }, { sub: 'u' }), false);
  });

  it('declines what jose treats specially in the header: crit, b64', async () => {
    await check(raw({ alg: 'HS256', crit: ['exp'], exp: 1 }, { sub: 'u' }), false);
    await check(raw({ alg: 'HS256', b64: true }, { sub: 'u' }), false);
    await check(raw({ alg: 'HS256', b64: false }, { sub: 'u' }), false);
  });

  it('declines malformed compact forms and base64url', async () => {
    const good = raw({ alg: 'HS256' }, { sub: 'u' });
    const [h, p, s] = good.split('.');
    for (const token of [
      `${good}.`,
      `${h}.${p}`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.${s}=`,
      `${h}=.${p}.${s}`,
      `${h}.${p} .${s}`,
      `${h}.${p}.${s}+`,
      `${h}.${p}x.${s}`,
      `${h}.${p}.${s}x`,
      `${h}.${p}.${s}\n`,
      '',
      '...',
    ]) {
      await check(token, false);
    }
  });

  it('declines payloads that are not a JSON object in UTF-8', async () => {
    await check(raw({ alg: 'HS256' }, '[1,2]'), false);
    await check(raw({ alg: 'HS256' }, '"sub"'), false);
    await check(raw({ alg: 'HS256' }, 'null'), false);
    await check(raw({ alg: 'HS256' }, '{"sub":'), false);
    await check(raw('[1]', { sub: 'u' }), false);
    const input = `${b64({ alg: 'HS256' })}.${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url')}`;
    await check(`${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`, false);
  });

  it('checks exp, nbf and iat as jose does, with the clock tolerance', async () => {
    await check(raw({ alg: 'HS256' }, { exp: now + 60 }), true);
    await check(raw({ alg: 'HS256' }, { exp: now - 60 }), false);
    await check(raw({ alg: 'HS256' }, { exp: now - 1 }), false);
    await check(raw({ alg: 'HS256' }, { exp: now - 30 }), true, {}, 60);
    await check(raw({ alg: 'HS256' }, { exp: '9999999999' }), false);
    await check(raw({ alg: 'HS256' }, { exp: null }), false);
    await check(raw({ alg: 'HS256' }, { nbf: now - 10 }), true);
    await check(raw({ alg: 'HS256' }, { nbf: now + 120 }), false);
    await check(raw({ alg: 'HS256' }, { nbf: now + 30 }), true, {}, 60);
    await check(raw({ alg: 'HS256' }, { nbf: 'soon' }), false);
    await check(raw({ alg: 'HS256' }, { iat: now }), true);
    await check(raw({ alg: 'HS256' }, { iat: 'now' }), false);
    await check(raw({ alg: 'HS256' }, { exp: 1e300 }), true);
  });

  it('checks aud and iss when the key set requires them', async () => {
    const claims = { audience: 'app', issuer: 'auth' };
    await check(raw({ alg: 'HS256' }, { aud: 'app', iss: 'auth' }), true, claims);
    await check(raw({ alg: 'HS256' }, { aud: ['x', 'app'], iss: 'auth' }), true, claims);
    await check(raw({ alg: 'HS256' }, { aud: 'other', iss: 'auth' }), false, claims);
    await check(raw({ alg: 'HS256' }, { aud: ['x'], iss: 'auth' }), false, claims);
    await check(raw({ alg: 'HS256' }, { iss: 'auth' }), false, claims);
    await check(raw({ alg: 'HS256' }, { aud: 'app' }), false, claims);
    await check(raw({ alg: 'HS256' }, { aud: 'app', iss: 'Auth' }), false, claims);
    await check(raw({ alg: 'HS256' }, { aud: 'app', iss: ['auth'] }), false, claims);
    await check(raw({ alg: 'HS256' }, { aud: 'anything', iss: 'whoever' }), true);
  });
});
