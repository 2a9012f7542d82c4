/**
 * Verifies connection and subscription JWTs with `jose` against the configured keys, and checks the
 * claims Switchboard reads. Whether a subscription token's `sub` and `channel` match the connection
 * and the channel being subscribed is the caller's check.
 */
import { errors, type JWTPayload, jwtVerify } from 'jose';
import type { Config, TokenConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { numericClaimProblem } from './claim-checks.js';
import { decodeProblem, readConnectClaims, readSubscriptionClaims, type TokenKind } from './claim-shape.js';
import { JwksUnavailableError } from './jwks-error.js';
import { KeySet } from './key-set.js';
import { TokenError } from './token-error.js';
import type { ConnectTokenClaims, SubscriptionTokenClaims } from './types.js';

/** Options of a {@link TokenVerifier}. */
export interface TokenVerifierOptions {
  /** Seconds of clock skew allowed on `exp` and `nbf`. Default 0. */
  clockToleranceSeconds?: number;
  /** Timeout of a JWKS fetch, ms; overrides `jwks_timeout` of the token configurations. */
  jwksTimeoutMs?: number;
  /**
   * Told when a JWKS endpoint becomes unavailable and when it is back; with `debug`, also why each
   * refused token was refused (expired, bad signature, no matching key…), never the token itself.
   */
  log?: Pick<Logger, 'warn' | 'info'> & Partial<Pick<Logger, 'debug'>>;
}

/**
 * Verifies tokens. Accepts exactly the algorithms of the configured keys: HS256/384/512 with
 * `hmac_secret_key`, RS256/384/512 and PS256/384/512 with `rsa_public_key`, the ES algorithm of the
 * curve of `ecdsa_public_key`, EdDSA with `ed25519_public_key`, and any public-key algorithm through
 * `jwks_public_endpoint`. Every failure is a {@link TokenError}: KEYS_UNAVAILABLE when the JWKS
 * endpoint cannot be fetched and the key it would hold is not cached.
 */
export class TokenVerifier {
  readonly #connect: KeySet;
  readonly #subscription: KeySet;
  readonly #clockTolerance: number;
  readonly #log: TokenVerifierOptions['log'];

  /**
   * @param connect keys of connection tokens (`client.token`).
   * @param subscription keys of subscription tokens (`client.subscription_token`); when undefined the
   *   connection keys verify subscription tokens too.
   * @throws {TokenKeyError} when a configured key cannot be used.
   */
  constructor(connect: TokenConfig, subscription?: TokenConfig, options: TokenVerifierOptions = {}) {
    const clockTolerance = options.clockToleranceSeconds ?? 0;
    if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
      throw new RangeError(`clockToleranceSeconds must be a finite number >= 0, got ${clockTolerance}`);
    }
    this.#clockTolerance = clockTolerance;
    this.#log = options.log;
    const keyOptions = {
      ...(options.jwksTimeoutMs === undefined ? {} : { jwksTimeoutMs: options.jwksTimeoutMs }),
      ...(options.log === undefined ? {} : { log: options.log }),
    };
    this.#connect = new KeySet(connect, { ...keyOptions, configPath: 'client.token' });
    this.#subscription =
      subscription === undefined
        ? this.#connect
        : new KeySet(subscription, { ...keyOptions, configPath: 'client.subscription_token' });
  }

  /** A verifier for a resolved configuration: the subscription keys are used when enabled. */
  static fromConfig(config: Pick<Config, 'client'>, options?: TokenVerifierOptions): TokenVerifier {
    const { token, subscription_token } = config.client;
    return new TokenVerifier(token, subscription_token.enabled ? subscription_token : undefined, options);
  }

  /**
   * Verifies a connection token. A missing (or null) `sub` is the anonymous user `''`, as in
   * Centrifugo; one that is not a string is invalid. `channels`, when present, must be an array of
   * strings. A token carrying a non-empty `channel` claim is a subscription token and is refused,
   * so one cannot stand in for the other when both share a key. Dates must be finite and within
   * year 9999, strings (`sub`, `channels`, `info`) well-formed Unicode.
   * @throws {TokenError} TOKEN_EXPIRED when `exp` is past or `nbf` is still ahead (Centrifugo's
   *   reading: the client should get a new token), TOKEN_INVALID for anything else.
   */
  async verifyConnectToken(token: string): Promise<ConnectTokenClaims> {
    try {
      const read = readConnectClaims(await this.#verify(token, this.#connect, 'connection'));
      if ('problem' in read) throw invalid(read.problem);
      return read.claims;
    } catch (error) {
      this.#refused('connection', error);
      throw error;
    }
  }

  /**
   * Verifies a subscription token. `sub` is read as for connection tokens; `channel` must be a
   * non-empty string, `client` (a connection id the token is limited to) a string when present. The
   * caller checks they match the connection and the channel subscribed. Dates and strings are
   * checked as for connection tokens.
   * @throws {TokenError} TOKEN_EXPIRED when `exp` is past or `nbf` still ahead, TOKEN_INVALID for
   *   anything else.
   */
  async verifySubscriptionToken(token: string): Promise<SubscriptionTokenClaims> {
    try {
      const read = readSubscriptionClaims(await this.#verify(token, this.#subscription, 'subscription'));
      if ('problem' in read) throw invalid(read.problem);
      return read.claims;
    } catch (error) {
      this.#refused('subscription', error);
      throw error;
    }
  }

  /** Logs at debug why a token was refused: the code and the message, built without token text. */
  #refused(kind: TokenKind, error: unknown): void {
    if (!(error instanceof TokenError)) return;
    this.#log?.debug?.(
      { token_kind: kind, code: error.code, reason: error.message },
      `${kind} token refused`,
    );
  }

  async #verify(token: string, keys: KeySet, kind: TokenKind): Promise<JWTPayload> {
    if (!keys.configured) {
      throw invalid(
        `no key is configured to verify ${kind} tokens: set ${keys.configPath}.hmac_secret_key, ` +
          'rsa_public_key, ecdsa_public_key, ed25519_public_key or jwks_public_endpoint',
      );
    }
    if (typeof token !== 'string' || token === '') {
      throw invalid(`${kind} token is empty; send a signed JWT`);
    }
    try {
      const payload =
        keys.hmac?.verify(token, this.#clockTolerance) ??
        (
          await jwtVerify(token, keys.resolve, {
            algorithms: [...keys.algorithms],
            clockTolerance: this.#clockTolerance,
            ...(keys.audience === undefined ? {} : { audience: keys.audience }),
            ...(keys.issuer === undefined ? {} : { issuer: keys.issuer }),
          })
        ).payload;
      const problem = numericClaimProblem(payload);
      if (problem !== undefined) throw invalid(`${kind} token ${problem}`);
      return payload;
    } catch (err) {
      throw toTokenError(err, keys, kind);
    }
  }
}

function invalid(message: string, cause?: unknown): TokenError {
  return new TokenError('TOKEN_INVALID', message, cause === undefined ? undefined : { cause });
}

/** Maps a `jose` failure to a TokenError whose message is built from codes only, never token text. */
function toTokenError(err: unknown, keys: KeySet, kind: TokenKind): TokenError {
  if (err instanceof TokenError) return err;
  // A claim check failed on a verified payload: a date out of range (exp: -1e999 is "expired" to
  // jose) makes the token invalid, not merely expired; so does a claim Centrifugo could not decode.
  if (err instanceof errors.JWTExpired || err instanceof errors.JWTClaimValidationFailed) {
    const problem = numericClaimProblem(err.payload);
    if (problem !== undefined) return invalid(`${kind} token ${problem}`, err);
    const decode = decodeProblem(kind, err.payload);
    if (decode !== undefined) return invalid(decode, err);
  }
  if (err instanceof errors.JWTExpired) {
    return new TokenError('TOKEN_EXPIRED', `${kind} token has expired; get a new token`, { cause: err });
  }
  // Not valid yet: Centrifugo answers it as expired (109), so the SDK fetches a new token and
  // retries instead of stopping for good on an invalid one.
  if (isNotYetValid(err)) {
    return new TokenError('TOKEN_EXPIRED', `${kind} token is not valid yet (nbf); get a new token`, {
      cause: err,
    });
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const hint =
      err.claim === 'aud' || err.claim === 'iss'
        ? `; it must equal ${keys.configPath}.${err.claim === 'aud' ? 'audience' : 'issuer'}`
        : '';
    return invalid(`${kind} token claim "${err.claim}" failed validation (${err.reason})${hint}`, err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return invalid(
      `${kind} token algorithm is not accepted; the keys in ${keys.configPath} accept ${keys.algorithms.join(', ')}`,
      err,
    );
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return invalid(`${kind} token signature does not verify with the keys in ${keys.configPath}`, err);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return invalid(`${kind} token is malformed; send a signed JWT (header.payload.signature)`, err);
  }
  if (err instanceof JwksUnavailableError) {
    return new TokenError('KEYS_UNAVAILABLE', `${kind} token not verified: ${err.message}; retry later`, {
      cause: err,
    });
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid(`no single key of ${keys.configPath}.jwks_public_endpoint matches the ${kind} token`, err);
  }
  if (err instanceof errors.JOSEError) {
    return invalid(`${kind} token could not be verified (${err.code})`, err);
  }
  return invalid(`${kind} token could not be verified with the keys in ${keys.configPath}`, err);
}

function isNotYetValid(err: unknown): boolean {
  return (
    err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf' && err.reason === 'check_failed'
  );
}
