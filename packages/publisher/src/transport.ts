/** One HTTP request to `POST /api/<method>`, with a timeout; every failure becomes a PublisherError. */
import { PublisherError } from './errors.js';
import type { ApiError } from './types.js';

export interface TransportOptions {
  /** The node's base URL, for example `http://127.0.0.1:8000`. */
  url: string;
  apiKey: string;
}

/** The time one request may take, and whether the call's deadline (not `timeoutMs`) set it. */
export interface RequestLimit {
  timeoutMs: number;
  cutByDeadline: boolean;
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).code === 'number' &&
    typeof (value as ApiError).message === 'string'
  );
}

/**
 * Sends one request and resolves with the `result` of the answer (for `batch`, the answer itself:
 * `{replies}`). Node's global `fetch` keeps
 * connections alive between calls. Rejects with a PublisherError: `timeout` (temporary) when no
 * full answer arrived within `limit.timeoutMs`, `network` (temporary) when the connection failed, `api`
 * for an error object (temporary when the server says so, for code 100 and for 5xx statuses), and
 * `http` for a status without an API error body (temporary for 5xx).
 */
export async function post(
  options: TransportOptions,
  method: string,
  body: string,
  limit: RequestLimit,
): Promise<unknown> {
  let status = 0;
  let text: string;
  const signal = AbortSignal.timeout(limit.timeoutMs);
  try {
    const res = await fetch(`${options.url}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      body,
      signal,
    });
    status = res.status;
    text = await res.text();
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      const why = limit.cutByDeadline ? ", the time left before the call's deadline" : '';
      const message = `timeout: no answer within ${limit.timeoutMs} ms${why}`;
      throw new PublisherError('timeout', 0, message, true, status, method, 1, { cause: error });
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new PublisherError('network', 0, `network: ${detail}`, true, status, method, 1, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const answer = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (isApiError(answer['error'])) throw PublisherError.fromApi(method, answer['error'], status);
  // `batch` answers `{"replies":[...]}` with no `result` wrapper, as Centrifugo does; nodes before
  // that change wrapped it, which the `result` read below still takes (a rolling upgrade has both).
  if (status === 200 && method === 'batch' && Array.isArray(answer['replies'])) return answer;
  if (status !== 200 || !('result' in answer)) {
    const message = `http: status ${status}${status === 200 ? ' without a result' : ''}`;
    throw new PublisherError('http', 0, message, status >= 500, status, method);
  }
  return answer['result'];
}
