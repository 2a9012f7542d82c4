/** A Publisher's options, checked at construction so that a mistake fails there with the option's name. */
import type { AttemptHook } from './attempt-event.js';
import type { BackoffOptions } from './backoff.js';
import type { BatchOptions } from './batcher.js';

export interface PublisherOptions {
  /** The node's base URL, for example `http://127.0.0.1:8000` (a trailing `/` or `/api` is dropped). */
  url: string;
  /** The server's `http_api.key`. */
  apiKey: string;
  /** Per-attempt timeout; the deadline cuts it when less time is left. Default 5,000 ms. */
  timeoutMs?: number;
  /**
   * Total time a call may take, its attempts and the waits between them included. Temporary
   * failures are retried with backoff until then; no wait ends past it. Default 10,000 ms.
   */
  deadlineMs?: number;
  /** Most retries after the first attempt, on temporary failures only. Default: as the deadline allows. */
  retries?: number;
  backoff?: BackoffOptions;
  /** Called after every HTTP request with its number, duration, outcome and the wait that follows. */
  onAttempt?: AttemptHook;
  /** Sends `publish` calls made close together as one `batch` request. Off when absent. */
  batch?: BatchOptions;
}

function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`Publisher: option ${name} must be ${expected}, got ${JSON.stringify(value)}`);
}

function positive(name: string, value: unknown): void {
  if (value === undefined) return;
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    fail(name, 'a positive number of milliseconds', value);
  }
}

/** @throws TypeError naming the first option that is missing or out of range. */
export function checkOptions(options: PublisherOptions): void {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  if (typeof options.url !== 'string' || !/^https?:\/\/[^/]/.test(options.url)) {
    fail('url', 'an http:// or https:// URL', options.url);
  }
  if (typeof options.apiKey !== 'string') fail('apiKey', 'a string', options.apiKey);
  positive('timeoutMs', options.timeoutMs);
  positive('deadlineMs', options.deadlineMs);
  const retries = options.retries;
  if (
    retries !== undefined &&
    !(retries === Number.POSITIVE_INFINITY || (Number.isInteger(retries) && retries >= 0))
  ) {
    fail('retries', 'a whole number of at least 0 (or Infinity)', retries);
  }
  const backoff = options.backoff ?? {};
  positive('backoff.initialMs', backoff.initialMs);
  positive('backoff.maxMs', backoff.maxMs);
  if (backoff.factor !== undefined && !(typeof backoff.factor === 'number' && backoff.factor >= 1)) {
    fail('backoff.factor', 'a number of at least 1', backoff.factor);
  }
  if (options.onAttempt !== undefined && typeof options.onAttempt !== 'function') {
    fail('onAttempt', 'a function', '(not a function)');
  }
}
