/** Stable codes of {@link TokenError}: an expired token may be refreshed, an invalid one never verifies. */
export type TokenErrorCode = 'TOKEN_EXPIRED' | 'TOKEN_INVALID';

/**
 * A connection or subscription token was refused. `code` is stable (the gateway maps TOKEN_EXPIRED to
 * the protocol's 109 "token expired" and TOKEN_INVALID to an invalid-token refusal); `cause` holds the
 * underlying `jose` error when there is one. The message never contains the token text.
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
