import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errors, exportJWK, generateKeyPair, type JWK } from 'jose';
import { JwksCache } from '../../src/auth/jwks-cache.js';
import { JwksUnavailableError } from '../../src/auth/jwks-error.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('JwksCache', () => {
  let handler: Handler = (_req, res) => res.writeHead(404).end();
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  let url: URL;
  let keyA: JWK;
  let keyB: JWK;
  const serve =
    (...keys: JWK[]): Handler =>
    (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  const status =
    (code: number): Handler =>
    (_req, res) =>
      res.writeHead(code, code === 302 ? { location: 'http://example.com/' } : {}).end();
  const hang: Handler = () => {};

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
    const jwk = async (kid: string): Promise<JWK> => ({
      ...(await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey)),
      kid,
      alg: 'RS256',
      use: 'sig',
    });
    keyA = await jwk('a');
    keyB = await jwk('b');
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** A cache on a clock the test moves. */
  function cache(options: { timeoutMs?: number; minIntervalMs?: number; maxBytes?: number } = {}) {
    let t = 1_000_000;
    const lines: string[] = [];
    const log = {
      warn: (_o: object, msg: string) => void lines.push(`warn ${msg}`),
      info: (_o: object, msg: string) => void lines.push(`info ${msg}`),
    } as unknown as ConstructorParameters<typeof JwksCache>[1]['log'];
    const jwks = new JwksCache(url, {
      source: 'client.token.jwks_public_endpoint',
      timeoutMs: options.timeoutMs ?? 1000,
      refreshIntervalMs: 10_000,
      minIntervalMs: options.minIntervalMs ?? 1000,
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      log,
      now: () => t,
    });
    return { jwks, lines, advance: (ms: number) => (t += ms) };
  }

  const lookup = (jwks: JwksCache, kid: string) =>
    (jwks.getKey as (h: object) => Promise<unknown>)({ alg: 'RS256', kid });

  async function failure(promise: Promise<unknown>): Promise<JwksUnavailableError> {
    let caught: unknown;
    await promise.catch((err: unknown) => {
      caught = err;
    });
    assert.ok(caught instanceof JwksUnavailableError, `expected JwksUnavailableError, got ${String(caught)}`);
    assert.equal(caught.code, 'JWKS_UNAVAILABLE');
    return caught;
  }

  it('serves stale keys while refreshes fail, then drops a key the endpoint no longer lists', async () => {
    const { jwks, lines, advance } = cache();
    handler = serve(keyA);
    await lookup(jwks, 'a');
    handler = status(503);
    advance(60_000); // six refresh intervals later
    for (let i = 0; i < 5; i++) await lookup(jwks, 'a');
    await new Promise((r) => setTimeout(r, 50)); // the refresh behind ends
    assert.equal(jwks.fetches, 2, 'one background refresh, not one per lookup');
    assert.deepEqual(lines, ['warn JWKS endpoint unavailable: serving the keys fetched before']);
    handler = serve(keyB);
    advance(1000);
    await lookup(jwks, 'a'); // still served: the refresh it starts runs behind
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lines.at(-1), 'info JWKS endpoint is back: keys fetched');
    await assert.rejects(lookup(jwks, 'a'), errors.JWKSNoMatchingKey);
    await lookup(jwks, 'b');
  });

  it('without cached keys: fails fast between attempts, one fetch per interval, shared by concurrent lookups', async () => {
    const { jwks, lines, advance } = cache();
    handler = status(503);
    const first = await Promise.allSettled(Array.from({ length: 20 }, () => lookup(jwks, 'a')));
    assert.ok(first.every((r) => r.status === 'rejected' && r.reason instanceof JwksUnavailableError));
    assert.equal(jwks.fetches, 1);
    const again = await failure(lookup(jwks, 'a'));
    assert.equal(again.failure, 'status');
    assert.equal(jwks.fetches, 1, 'within the interval the last error is answered at once');
    advance(1000);
    handler = serve(keyA);
    await lookup(jwks, 'a');
    assert.equal(jwks.fetches, 2);
    assert.deepEqual(lines, [
      'warn JWKS endpoint unavailable: tokens needing its keys get a temporary error',
      'info JWKS endpoint is back: keys fetched',
    ]);
  });

  it('an unknown kid fetches again, at most once per interval, and waits its turn', async () => {
    const { jwks } = cache({ minIntervalMs: 300 });
    handler = serve(keyA);
    await lookup(jwks, 'a');
    handler = serve(keyA, keyB);
    const started = Date.now();
    const lookups = await Promise.allSettled([
      ...Array.from({ length: 10 }, () => lookup(jwks, 'b')),
      ...Array.from({ length: 10 }, () => lookup(jwks, 'nope')),
    ]);
    assert.ok(Date.now() - started >= 250, 'the refetch waited for the interval');
    assert.equal(jwks.fetches, 2);
    assert.ok(lookups.slice(0, 10).every((r) => r.status === 'fulfilled'));
    assert.ok(
      lookups.slice(10).every((r) => r.status === 'rejected' && r.reason instanceof errors.JWKSNoMatchingKey),
    );
  });

  it('bounds a fetch in time and size, and refuses redirects and bodies that are not key sets', async () => {
    const cases: [Handler, string, { timeoutMs?: number; maxBytes?: number }][] = [
      [hang, 'timeout', { timeoutMs: 200 }],
      [
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"keys":['); // then nothing: a body that never ends
        },
        'timeout',
        { timeoutMs: 200 },
      ],
      [(_req, res) => res.writeHead(200).end('x'.repeat(5000)), 'body', { maxBytes: 4096 }],
      [
        (_req, res) => {
          res.writeHead(200); // no content-length: chunked
          for (let i = 0; i < 5; i++) res.write('x'.repeat(1000));
          res.end();
        },
        'body',
        { maxBytes: 4096 },
      ],
      [(_req, res) => res.writeHead(200).end('not json'), 'body', {}],
      [(_req, res) => res.writeHead(200).end('{"keys":"none"}'), 'body', {}],
      [status(302), 'status', {}],
      [status(404), 'status', {}],
    ];
    for (const [respond, expected, options] of cases) {
      handler = respond;
      const { jwks } = cache(options);
      const started = Date.now();
      const err = await failure(lookup(jwks, 'a'));
      assert.equal(err.failure, expected, `${err.message}`);
      assert.ok(!err.message.includes(url.host), 'messages do not carry the URL');
      assert.ok(Date.now() - started < 1500);
    }
    assert.ok(requests > 0);
  });
});
