/** What the `onAttempt` hook is told after each HTTP request the publisher makes. */
import type { PublisherError } from './errors.js';

/**
 * - `ok`: the request was answered with a result.
 * - `error`: the request failed; `error` says how.
 * - `partial`: a `batch` of grouped publishes was answered, but some of its commands failed with a
 *   temporary error of their own; those are sent again when `nextDelayMs` is set.
 */
export type AttemptOutcome = 'ok' | 'error' | 'partial';

export interface AttemptEvent {
  /** The API method of the request (`batch` for grouped publishes). */
  method: string;
  /** 1 for the first request of a call, 2 for its first retry, and so on. */
  attempt: number;
  /** From sending the request to its answer or its failure, in milliseconds. */
  durationMs: number;
  outcome: AttemptOutcome;
  /** The failure (`error`), or the first command's temporary error (`partial`). */
  error?: PublisherError;
  /**
   * The wait before the next attempt, in milliseconds. Absent when no attempt follows: a success, a
   * permanent error, `retries` used up, or a wait that would leave less than 100 ms (or `timeoutMs`,
   * if shorter) before the deadline.
   */
  nextDelayMs?: number;
  /** Time left before the call's deadline when the attempt ended, in milliseconds (0 once passed). */
  remainingMs: number;
}

/**
 * Called synchronously after every attempt, for logs, metrics or traces. It should not throw: what
 * it throws rejects the call it reports on.
 */
export type AttemptHook = (event: AttemptEvent) => void;
