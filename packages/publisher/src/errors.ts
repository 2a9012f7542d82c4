/** The one error type the publisher throws. */
import type { ApiError } from './types.js';

/**
 * - `api`: the server answered with an error object (`code`, `message`, `temporary` as sent).
 * - `http`: the server (or a proxy in front of it) answered a status without an API error body.
 * - `network`: the connection failed (refused, reset, closed before the response).
 * - `timeout`: no response within `timeoutMs`.
 */
export type PublisherErrorKind = 'api' | 'http' | 'network' | 'timeout';

/** Code 100 (`internal`): the server API's code for failures worth retrying. */
const INTERNAL = 100;

export class PublisherError extends Error {
  override readonly name = 'PublisherError';

  constructor(
    readonly kind: PublisherErrorKind,
    /** The API error code; 0 when the server sent none (network, timeout, HTTP status alone). */
    readonly code: number,
    message: string,
    /** True when the same request may succeed later: the publisher retries these. */
    readonly temporary: boolean,
    /** The HTTP status, or 0 when no response arrived. */
    readonly status: number,
    /** The method called. */
    readonly method: string,
    /** Attempts made before giving up (1 when not retried). */
    public attempts = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** From an API error object; `temporary` when the server says so or for code 100. */
  static fromApi(method: string, error: ApiError, status: number): PublisherError {
    const temporary = error.temporary === true || error.code === INTERNAL || status >= 500;
    return new PublisherError('api', error.code, error.message, temporary, status, method);
  }
}
