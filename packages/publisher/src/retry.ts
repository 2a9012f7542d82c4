/**
 * The attempts of one call: their count, the deadline they share, the backoff between them and the
 * report of each to `onAttempt`. A call ends when an attempt succeeds, fails with a permanent error,
 * `retries` retries have failed, or the next wait would leave too little time before the deadline; each attempt's
 * timeout is cut to the time left, so no attempt and no wait outlasts the deadline.
 */
import type { AttemptHook, AttemptOutcome } from './attempt-event.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { PublisherError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt (`Infinity`: as many as the deadline leaves room for). */
  retries: number;
  backoff: BackoffOptions;
  /** Time one attempt may take. */
  timeoutMs: number;
  /** Time the whole call may take, attempts and waits included. */
  deadlineMs: number;
  onAttempt: AttemptHook | undefined;
}

/** One attempt under way: its number and the timeout it was given. */
export interface Attempt {
  number: number;
  startedAt: number;
  timeoutMs: number;
  /** True when the deadline, not `timeoutMs`, set the timeout. */
  cutByDeadline: boolean;
}

/**
 * A retry is made only when its wait leaves this long (or `timeoutMs`, if shorter) before the
 * deadline: an attempt cut to a few milliseconds could only time out, hiding the real failure.
 */
export const MIN_ATTEMPT_MS = 100;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Attempts {
  private count = 0;
  private readonly deadlineAt: number;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly method: string,
  ) {
    this.deadlineAt = performance.now() + policy.deadlineMs;
  }

  /** Milliseconds left before the deadline (0 once passed). */
  remaining(): number {
    return Math.max(0, this.deadlineAt - performance.now());
  }

  begin(): Attempt {
    this.count += 1;
    const remaining = this.remaining();
    return {
      number: this.count,
      startedAt: performance.now(),
      // Whole milliseconds, as timers take them, rounded down so that the deadline holds.
      timeoutMs: Math.max(1, Math.floor(Math.min(this.policy.timeoutMs, remaining))),
      cutByDeadline: remaining < this.policy.timeoutMs,
    };
  }

  /**
   * Ends an attempt and reports it. With an error, sets its `attempts` and returns the wait before
   * the next attempt, or undefined when none may follow.
   */
  end(attempt: Attempt, outcome: AttemptOutcome, error?: PublisherError): number | undefined {
    let delay: number | undefined;
    if (error !== undefined) {
      error.attempts = attempt.number;
      if (error.temporary && attempt.number <= this.policy.retries) {
        const wait = backoffDelay(attempt.number - 1, this.policy.backoff);
        if (wait + Math.min(MIN_ATTEMPT_MS, this.policy.timeoutMs) <= this.remaining()) delay = wait;
      }
    }
    this.policy.onAttempt?.({
      method: this.method,
      attempt: attempt.number,
      durationMs: performance.now() - attempt.startedAt,
      outcome,
      ...(error === undefined ? {} : { error }),
      ...(delay === undefined ? {} : { nextDelayMs: delay }),
      remainingMs: this.remaining(),
    });
    return delay;
  }
}

/**
 * Calls `attempt` (with the timeout it may take) until it resolves or no retry may follow; the
 * error thrown is the last one, with `attempts` set to the number of attempts made.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  method: string,
  attempt: (current: Attempt) => Promise<T>,
): Promise<T> {
  const attempts = new Attempts(policy, method);
  for (;;) {
    const current = attempts.begin();
    let delay: number | undefined;
    try {
      const result = await attempt(current);
      attempts.end(current, 'ok');
      return result;
    } catch (error) {
      if (!(error instanceof PublisherError)) throw error;
      delay = attempts.end(current, 'error', error);
      if (delay === undefined) throw error;
    }
    await sleep(delay);
  }
}
