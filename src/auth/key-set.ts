/**
 * The verification keys of one token configuration (`client.token` or `client.subscription_token`),
 * indexed by JWS algorithm. The accepted algorithms are exactly those a configured key can verify, so
 * `alg: none` and algorithm confusion (an HS256 token "signed" with the RSA public key) never reach a
 * signature check.
 */
import { createPublicKey, type KeyObject, webcrypto } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import type { TokenConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { HmacFastPath } from './hmac-fast-path.js';
import { JwksCache } from './jwks-cache.js';
import { TokenKeyError } from './token-key-error.js';

const hmacAlgorithms = ['HS256', 'HS384', 'HS512'] as const;
const rsaAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const pssAlgorithms = ['PS256', 'PS384', 'PS512'] as const;
const eddsaAlgorithms = ['EdDSA', 'Ed25519'] as const;
const ecdsaAlgorithmByCurve: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
/** Algorithms a JWKS may serve keys for: public-key ones only, never HMAC. */
const jwksAlgorithms: readonly string[] = [...rsaAlgorithms, 'ES256', 'ES384', 'ES512', ...eddsaAlgorithms];

type StaticKey = Uint8Array | KeyObject;

/** What a {@link KeySet} is built with besides the token configuration. */
export interface KeySetOptions {
  /** Where the configuration lives, for error messages, e.g. `client.token`. */
  configPath: string;
  /** Timeout of a JWKS fetch, ms; overrides the configuration's `jwks_timeout`. */
  jwksTimeoutMs?: number;
  /** Told when the JWKS endpoint becomes unavailable and when it is back. */
  log?: Pick<Logger, 'warn' | 'info'>;
}

/** The keys and claim requirements of one token configuration. */
export class KeySet {
  /** Where the configuration lives, e.g. `client.token`. */
  readonly configPath: string;
  /** Accepted JWS algorithms; empty when no key is configured. */
  readonly algorithms: readonly string[];
  /** Required `aud`, or undefined. */
  readonly audience: string | undefined;
  /** Required `iss`, or undefined. */
  readonly issuer: string | undefined;
  readonly #static = new Map<string, StaticKey>();
  readonly #imported = new Map<string, Promise<webcrypto.CryptoKey>>();
  /** The JWKS endpoint's keys, when one is configured. */
  readonly jwks: JwksCache | undefined;
  /** HMAC tokens checked without the thread pool, when a secret is configured (see HmacFastPath). */
  readonly hmac: HmacFastPath | undefined;

  /** @throws {TokenKeyError} when a configured key cannot be used. */
  constructor(config: TokenConfig, options: KeySetOptions) {
    this.configPath = options.configPath;
    this.audience = config.audience === '' ? undefined : config.audience;
    this.issuer = config.issuer === '' ? undefined : config.issuer;

    if (config.hmac_secret_key !== '') {
      const secret = new TextEncoder().encode(config.hmac_secret_key);
      for (const alg of hmacAlgorithms) this.#static.set(alg, secret);
    }
    if (config.rsa_public_key.trim() !== '') {
      const key = this.#publicKey('rsa_public_key', config.rsa_public_key);
      if (key.asymmetricKeyType === 'rsa') {
        for (const alg of rsaAlgorithms) this.#static.set(alg, key);
      } else if (key.asymmetricKeyType === 'rsa-pss') {
        for (const alg of pssAlgorithms) this.#static.set(alg, key);
      } else {
        throw this.#wrongType('rsa_public_key', 'an RSA', key);
      }
    }
    if (config.ecdsa_public_key.trim() !== '') {
      const key = this.#publicKey('ecdsa_public_key', config.ecdsa_public_key);
      const alg = ecdsaAlgorithmByCurve[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (key.asymmetricKeyType !== 'ec' || alg === undefined) {
        throw this.#wrongType('ecdsa_public_key', 'an ECDSA P-256, P-384 or P-521', key);
      }
      this.#static.set(alg, key);
    }
    if (config.ed25519_public_key.trim() !== '') {
      const key = this.#publicKey('ed25519_public_key', config.ed25519_public_key);
      if (key.asymmetricKeyType !== 'ed25519') throw this.#wrongType('ed25519_public_key', 'an Ed25519', key);
      for (const alg of eddsaAlgorithms) this.#static.set(alg, key);
    }
    if (config.jwks_public_endpoint.trim() !== '') {
      const url = this.#jwksUrl(config.jwks_public_endpoint.trim());
      this.jwks = new JwksCache(url, {
        source: `${this.configPath}.jwks_public_endpoint`,
        timeoutMs: options.jwksTimeoutMs ?? config.jwks_timeout,
        refreshIntervalMs: config.jwks_refresh_interval,
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    }

    const algorithms = new Set(this.#static.keys());
    if (this.jwks !== undefined) for (const alg of jwksAlgorithms) algorithms.add(alg);
    this.algorithms = [...algorithms];
    const secret = this.#static.get('HS256');
    this.hmac =
      secret instanceof Uint8Array
        ? new HmacFastPath(secret, algorithms, { audience: this.audience, issuer: this.issuer })
        : undefined;
  }

  /** Whether any key is configured. */
  get configured(): boolean {
    return this.algorithms.length > 0;
  }

  /**
   * The key resolver handed to `jwtVerify`. A key configured in the file wins over the JWKS for its
   * algorithm; the JWKS serves the other public-key algorithms.
   */
  readonly resolve: JWTVerifyGetKey = (header, token) => {
    const alg = header.alg ?? '';
    const key = this.#static.get(alg);
    if (key instanceof Uint8Array) return this.#hmacKey(alg, key);
    if (key !== undefined) return key;
    if (this.jwks !== undefined && jwksAlgorithms.includes(alg)) return this.jwks.getKey(header, token);
    // Unreachable while `algorithms` is passed to jwtVerify alongside this resolver.
    throw new Error(`no key configured for algorithm ${JSON.stringify(alg)}`);
  };

  /**
   * The HMAC secret as a CryptoKey, imported once per algorithm: handed raw bytes, jose imports
   * them again on every verification, a third of a JWT connect's CPU.
   */
  #hmacKey(alg: string, secret: Uint8Array): Promise<webcrypto.CryptoKey> {
    let key = this.#imported.get(alg);
    if (key === undefined) {
      key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: `SHA-${alg.slice(2)}` }, false, [
        'verify',
      ]);
      this.#imported.set(alg, key);
    }
    return key;
  }

  #publicKey(name: string, pem: string): KeyObject {
    const path = `${this.configPath}.${name}`;
    if (pem.includes('PRIVATE KEY')) {
      throw new TokenKeyError(
        path,
        `${path} holds a private key; configure the PEM public key (SPKI) instead`,
      );
    }
    try {
      return createPublicKey({ key: pem, format: 'pem' });
    } catch (err) {
      throw new TokenKeyError(
        path,
        `${path} is not a PEM public key; set it to a "-----BEGIN PUBLIC KEY-----" block (SPKI)`,
        { cause: err },
      );
    }
  }

  #wrongType(name: string, expected: string, key: KeyObject): TokenKeyError {
    const path = `${this.configPath}.${name}`;
    const actual = key.asymmetricKeyType ?? 'unknown';
    return new TokenKeyError(path, `${path} must be ${expected} public key, got a key of type ${actual}`);
  }

  #jwksUrl(text: string): URL {
    const path = `${this.configPath}.jwks_public_endpoint`;
    let url: URL;
    try {
      url = new URL(text);
    } catch (err) {
      throw new TokenKeyError(path, `${path} is not a URL; set it to the http(s) address of a JWKS`, {
        cause: err,
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TokenKeyError(path, `${path} must be an http:// or https:// URL, got ${url.protocol}`);
    }
    return url;
  }
}
