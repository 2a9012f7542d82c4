/**
 * Connection token attacks over a real WebSocket: every forged, expired, misdirected or malformed
 * token is refused with the public code (invalid: close 3500; expired or not valid yet: error 109),
 * next to the valid tokens that pass. The same checks apply to `refresh`, which also refuses a token
 * of another user, and closes with 3005 on an expired one.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, type JWTHeaderParameters, SignJWT } from 'jose';
import {
  connected,
  newClient,
  type RawClient,
  sleep,
  startTestNode,
  TEST_SECRET,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { connectOutcome, outcomeOf, unsignedToken } from './outcome.js';

const AUDIENCE = 'switchboard';
const ISSUER = 'https://auth.example';
const now = (): number => Math.floor(Date.now() / 1000);
const secret = (text: string): Uint8Array => new TextEncoder().encode(text);

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
type SigningKey = Parameters<SignJWT['sign']>[0];

/** An HS256 JWT built by hand, for headers `jose` refuses to sign. */
function handSigned(header: Record<string, unknown>, claims: Record<string, unknown>, key: string): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part({ aud: AUDIENCE, iss: ISSUER, exp: now() + 3600, ...claims })}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** Signs claims (with `aud`/`iss` unless given) under a header and key. */
function sign(
  claims: Record<string, unknown>,
  key: SigningKey,
  header: Record<string, unknown> = { alg: 'HS256' },
): Promise<string> {
  return new SignJWT({ aud: AUDIENCE, iss: ISSUER, exp: now() + 3600, ...claims })
    .setProtectedHeader({ typ: 'JWT', ...header } as JWTHeaderParameters)
    .sign(key);
}

describe('connection token attacks', () => {
  let rsa: KeyPair;
  let otherRsa: KeyPair;
  let ec: KeyPair;
  let rsaPem: string;
  /** HMAC and RSA keys, audience and issuer required. */
  let node: TestNode;
  /** RSA only: the public key is the tempting HMAC secret of an algorithm confusion attack. */
  let rsaNode: TestNode;
  const open: RawClient[] = [];

  before(async () => {
    rsa = await generateKeyPair('RS256');
    otherRsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    rsaPem = await exportSPKI(rsa.publicKey);
    node = await startTestNode({
      client: {
        token: { hmac_secret_key: TEST_SECRET, rsa_public_key: rsaPem, audience: AUDIENCE, issuer: ISSUER },
      },
    });
    rsaNode = await startTestNode({ client: { token: { hmac_secret_key: '', rsa_public_key: rsaPem } } });
  });
  after(async () => {
    for (const c of open) c.ws.terminate();
    await Promise.all([node.stop(), rsaNode.stop()]);
  });

  async function outcome(target: TestNode, token: string | undefined): Promise<string> {
    const { outcome, client } = await connectOutcome(target.wsUrl, token);
    open.push(client);
    return outcome;
  }

  /** [case, node, token, expected outcome]. */
  const cases: [string, () => TestNode, () => Promise<string | undefined>, string][] = [
    ['valid HS256', () => node, () => sign({ sub: 'a' }, secret(TEST_SECRET)), 'ok'],
    ['valid RS256', () => node, () => sign({ sub: 'a' }, rsa.privateKey, { alg: 'RS256' }), 'ok'],
    ['no token (anonymous not allowed)', () => node, async () => undefined, 'close 3501'],
    [
      'alg none, empty signature',
      () => node,
      async () => unsignedToken({ sub: 'a', aud: AUDIENCE, iss: ISSUER }),
      'close 3500',
    ],
    [
      'alg none with a made-up signature',
      () => node,
      async () => unsignedToken({ sub: 'a', aud: AUDIENCE, iss: ISSUER }, 'c2lnbmF0dXJl'),
      'close 3500',
    ],
    [
      'HS256 with another secret',
      () => node,
      () => sign({ sub: 'a' }, secret('another-secret-0123456789abcdef')),
      'close 3500',
    ],
    [
      'RS256 with another RSA key',
      () => node,
      () => sign({ sub: 'a' }, otherRsa.privateKey, { alg: 'RS256' }),
      'close 3500',
    ],
    [
      'HS256 signed with the RSA public key as secret (algorithm confusion)',
      () => rsaNode,
      () => sign({ sub: 'a' }, secret(rsaPem)),
      'close 3500',
    ],
    [
      'ES256 with no ECDSA key configured',
      () => node,
      () => sign({ sub: 'a' }, ec.privateKey, { alg: 'ES256' }),
      'close 3500',
    ],
    [
      'RS256 with the signing key embedded in the header (jwk)',
      () => node,
      async () =>
        sign({ sub: 'a' }, otherRsa.privateKey, { alg: 'RS256', jwk: await exportJWK(otherRsa.publicKey) }),
      'close 3500',
    ],
    [
      'header says HS512, signed HS256',
      () => node,
      async () => {
        const token = await sign({ sub: 'a' }, secret(TEST_SECRET));
        const [, payload, signature] = token.split('.');
        const header = Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
      'close 3500',
    ],
    [
      'payload changed after signing (sub a to admin)',
      () => node,
      async () => {
        const [header, , signature] = (await sign({ sub: 'a' }, secret(TEST_SECRET))).split('.');
        const forged = Buffer.from(JSON.stringify({ sub: 'admin', aud: AUDIENCE, iss: ISSUER })).toString(
          'base64url',
        );
        return `${header}.${forged}.${signature}`;
      },
      'close 3500',
    ],
    [
      'unknown critical header',
      () => node,
      async () =>
        handSigned({ alg: 'HS256', typ: 'JWT', crit: ['x-new'], 'x-new': 1 }, { sub: 'a' }, TEST_SECRET),
      'close 3500',
    ],
    [
      'control for the hand-signed tokens',
      () => node,
      async () => handSigned({ alg: 'HS256', typ: 'JWT' }, { sub: 'a' }, TEST_SECRET),
      'ok',
    ],
    ['expired', () => node, () => sign({ sub: 'a', exp: now() - 60 }, secret(TEST_SECRET)), 'error 109'],
    [
      'expired and signed with another secret',
      () => node,
      () => sign({ sub: 'a', exp: now() - 60 }, secret('another-secret-0123456789abcdef')),
      'close 3500',
    ],
    [
      'not yet valid (nbf in an hour), answered as expired like Centrifugo',
      () => node,
      () => sign({ sub: 'a', nbf: now() + 3600 }, secret(TEST_SECRET)),
      'error 109',
    ],
    [
      'exp that is not a number',
      () => node,
      () => sign({ sub: 'a', exp: 'never' }, secret(TEST_SECRET)),
      'close 3500',
    ],
    [
      'wrong audience',
      () => node,
      () => sign({ sub: 'a', aud: 'another-service' }, secret(TEST_SECRET)),
      'close 3500',
    ],
    ['no audience', () => node, () => sign({ sub: 'a', aud: undefined }, secret(TEST_SECRET)), 'close 3500'],
    [
      'wrong issuer',
      () => node,
      () => sign({ sub: 'a', iss: 'https://evil.example' }, secret(TEST_SECRET)),
      'close 3500',
    ],
    ['no issuer', () => node, () => sign({ sub: 'a', iss: undefined }, secret(TEST_SECRET)), 'close 3500'],
    [
      'subscription token (has a channel claim)',
      () => node,
      () => sign({ sub: 'a', channel: 'news' }, secret(TEST_SECRET)),
      'close 3500',
    ],
    ['sub that is not a string', () => node, () => sign({ sub: 42 }, secret(TEST_SECRET)), 'close 3500'],
    ['no sub (the anonymous user)', () => node, () => sign({}, secret(TEST_SECRET)), 'ok'],
    ['sub: null (the anonymous user)', () => node, () => sign({ sub: null }, secret(TEST_SECRET)), 'ok'],
    [
      'channels that are not strings',
      () => node,
      () => sign({ sub: 'a', channels: [1] }, secret(TEST_SECRET)),
      'close 3500',
    ],
    ['not a JWT', () => node, async () => 'not-a-jwt', 'close 3500'],
    [
      'four dot-separated parts',
      () => node,
      async () => `${await sign({ sub: 'a' }, secret(TEST_SECRET))}.x`,
      'close 3500',
    ],
  ];

  for (const [name, target, token, expected] of cases) {
    it(`${name}: ${expected}`, async () => {
      assert.equal(await outcome(target(), await token()), expected);
    });
  }

  it('stops reading a connection refused with 109: a fresh token connects on a new socket', async () => {
    const { outcome: first, client } = await connectOutcome(
      node.wsUrl,
      await sign({ sub: 'a', exp: now() - 60 }, secret(TEST_SECRET)),
    );
    open.push(client);
    assert.equal(first, 'error 109');
    client.send(JSON.stringify({ id: 2, connect: { token: await sign({ sub: 'a' }, secret(TEST_SECRET)) } }));
    await sleep(300);
    assert.equal(client.received.length, 1, 'the second connect gets no reply');
    const { outcome: fresh, client: next } = await connectOutcome(
      node.wsUrl,
      await sign({ sub: 'a' }, secret(TEST_SECRET)),
    );
    open.push(next);
    assert.equal(fresh, 'ok');
  });

  it('refresh: refuses a token of another user (3500), an expired one (3005) and a forged one (3500)', async () => {
    const refresh = async (token: string): Promise<string> => {
      const { outcome: first, client } = await connectOutcome(
        node.wsUrl,
        await sign({ sub: 'a' }, secret(TEST_SECRET)),
      );
      open.push(client);
      assert.equal(first, 'ok');
      return outcomeOf(client, 2, 'refresh', { token });
    };
    assert.equal(await refresh(await sign({ sub: 'a' }, secret(TEST_SECRET))), 'ok');
    assert.equal(await refresh(await sign({ sub: 'b' }, secret(TEST_SECRET))), 'close 3500');
    assert.equal(await refresh(await sign({ sub: 'a', exp: now() - 60 }, secret(TEST_SECRET))), 'close 3005');
    assert.equal(await refresh(unsignedToken({ sub: 'a', aud: AUDIENCE, iss: ISSUER })), 'close 3500');
    assert.equal(
      await refresh(await sign({ sub: 'a', aud: 'another-service' }, secret(TEST_SECRET))),
      'close 3500',
    );
  });

  it('the centrifuge SDK stops for good on 3500 (alg none, confusion, wrong audience) and does not reconnect', async () => {
    const forged: [TestNode, string][] = [
      [node, unsignedToken({ sub: 'a', aud: AUDIENCE, iss: ISSUER })],
      [rsaNode, await sign({ sub: 'a' }, secret(rsaPem))],
      [node, await sign({ sub: 'a', aud: 'another-service' }, secret(TEST_SECRET))],
    ];
    for (const [target, token] of forged) {
      const before = target.app.node.connections.size;
      const client = newClient(target.wsUrl, { token });
      const codes: number[] = [];
      client.on('disconnected', (ctx) => codes.push(ctx.code));
      client.connect();
      await waitFor(() => codes.length > 0, 'disconnect');
      await sleep(400); // past maxReconnectDelay: no retry
      assert.deepEqual(codes, [3500]);
      assert.equal(client.state, 'disconnected');
      // Earlier refused sockets may still be closing: the count can only have gone down.
      assert.ok(target.app.node.connections.size <= before);
    }
    const good = newClient(node.wsUrl, { token: await sign({ sub: 'a' }, rsa.privateKey, { alg: 'RS256' }) });
    good.connect();
    await connected(good);
    good.disconnect();
  });
});
