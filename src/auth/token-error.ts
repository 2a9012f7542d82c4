/**
 * Stable codes of {@link TokenError}: an expired token may be refreshed, an invalid one never
 * verifies, and one whose keys are unavailable (the JWKS endpoint is down) may verify later as it is.
 */
export type TokenErrorCode = 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'KEYS_UNAVAILABLE';

/**
 * A connection or subscription token was refused. `code` is stable (the gateway maps TOKEN_EXPIRED to
 * the protocol's 109 "token expired", TOKEN_INVALID to an invalid-token refusal and KEYS_UNAVAILABLE
 * to the temporary error 100); `cause` holds the underlying error when there is one. The message
 * never contains the token text.
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
