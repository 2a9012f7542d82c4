/**
 * A key in a token configuration cannot be used (not a PEM public key, a key of the wrong type, a bad
 * JWKS URL). Thrown by the {@link TokenVerifier} constructor, so a node refuses to start with it.
 */
export class TokenKeyError extends Error {
  override readonly name = 'TokenKeyError';
  readonly code = 'TOKEN_KEY_INVALID';
  /** The configuration key that is wrong, for example `client.token.rsa_public_key`. */
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}
