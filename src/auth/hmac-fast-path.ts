/**
 * HS256/384/512 tokens checked on the main thread with `node:crypto`. jose verifies HMAC through
 * WebCrypto, whose every call is a job on libuv's thread pool: a hop per connect, a promise chain,
 * and allocations in the pool threads' malloc arenas that stay fragmented (measured: ~1 KB of RSS
 * per idle connection after 10,000 JWT connects, against none with all allocation in one arena).
 *
 * It only ever answers "valid, here is the payload": a token it cannot confirm on every point jose
 * checks (the compact form and strict base64url, a JSON object header naming an accepted HMAC
 * algorithm without `crit` or `b64`, the signature, a JSON object payload in strict UTF-8, `iss`,
 * `aud`, numeric `iat`/`nbf`/`exp` within the clock tolerance) is handed to jose, which accepts or
 * refuses it with its own error. So what it accepts is a subset of what jose accepts, and every
 * refusal keeps jose's error.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';

const HASH: Readonly<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
/** A base64url segment without padding or whitespace, of a length base64 can have. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Claim requirements of the key set. */
export interface HmacClaims {
  audience: string | undefined;
  issuer: string | undefined;
}

export class HmacFastPath {
  readonly #key: KeyObject;

  constructor(
    secret: Uint8Array,
    private readonly algorithms: ReadonlySet<string>,
    private readonly claims: HmacClaims,
  ) {
    this.#key = createSecretKey(secret);
  }

  /** The payload of a token valid on every point, or undefined: then jose decides. */
  verify(token: string, clockTolerance: number): JWTPayload | undefined {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    if (first < 1 || second < 0 || token.indexOf('.', second + 1) !== -1) return undefined;
    const head = token.slice(0, first);
    const body = token.slice(first + 1, second);
    const sig = token.slice(second + 1);
    if (!segment(head) || !segment(body) || !segment(sig)) return undefined;
    const header = parseObject(head);
    if (header === undefined || 'crit' in header || 'b64' in header) return undefined;
    const alg = header['alg'];
    if (typeof alg !== 'string' || !this.algorithms.has(alg)) return undefined;
    const hash = HASH[alg];
    if (hash === undefined) return undefined;
    const expected = createHmac(hash, this.#key).update(token.slice(0, second)).digest();
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return undefined;
    const payload = parseObject(body);
    if (payload === undefined || !this.#claimsHold(payload, clockTolerance)) return undefined;
    return payload;
  }

  /** jose's claim checks for the options the verifier passes (audience, issuer, clock tolerance). */
  #claimsHold(payload: JWTPayload, tolerance: number): boolean {
    const { audience, issuer } = this.claims;
    if (issuer !== undefined && payload.iss !== issuer) return false;
    if (audience !== undefined) {
      const aud: unknown = payload.aud;
      if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) return false;
    }
    const now = Math.floor(Date.now() / 1000);
    const { iat, nbf, exp } = payload as Record<string, unknown>;
    if (iat !== undefined && typeof iat !== 'number') return false;
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) return false;
    if (exp !== undefined && (typeof exp !== 'number' || exp <= now - tolerance)) return false;
    return true;
  }
}

function segment(s: string): boolean {
  return s.length % 4 !== 1 && SEGMENT.test(s);
}

/** A base64url segment holding a JSON object in strict UTF-8, or undefined. */
function parseObject(s: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(Buffer.from(s, 'base64url')));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
