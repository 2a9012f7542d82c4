/** Why a JWKS could not be had: it timed out, the connection failed, or the answer was not a key set. */
export type JwksFailure = 'timeout' | 'network' | 'status' | 'body';

/**
 * The JWKS endpoint could not be fetched. This says nothing about the token being verified — the
 * key source is unavailable, so a client may retry as it is. `code` is stable; the message names the
 * configuration key and the failure, never the URL (it may carry credentials) or a token.
 */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
  readonly code = 'JWKS_UNAVAILABLE';
  constructor(
    /** What failed. */
    readonly failure: JwksFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
