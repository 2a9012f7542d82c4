/** Runs an attempt again after temporary failures, waiting with backoff between attempts. */
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { PublisherError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  backoff: BackoffOptions;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it resolves, fails with a permanent error, or `retries` retries have
 * failed. The error thrown is the last one, with `attempts` set to the number of attempts made.
 */
export async function withRetries<T>(options: RetryOptions, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof PublisherError)) throw error;
      error.attempts = n + 1;
      if (!error.temporary || n >= options.retries) throw error;
    }
    await sleep(backoffDelay(n, options.backoff));
  }
}
