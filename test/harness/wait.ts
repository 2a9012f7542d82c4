/**
 * Waiting in tests: the one `sleep` and the one polling helper, `waitFor`. Tests never assume that
 * something happens synchronously: they wait for what must arrive, and sleep a fixed settle time
 * only before asserting that something did not arrive.
 */

/** How long `waitFor` polls unless told otherwise. */
export const WAIT_TIMEOUT_MS = 5000;
/** How long `waitFor` sleeps between two probes unless told otherwise. */
export const WAIT_INTERVAL_MS = 10;

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How `waitFor` polls. */
export interface WaitOptions {
  /** Fails after this long; default {@link WAIT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Sleeps this long between probes; default {@link WAIT_INTERVAL_MS}. */
  intervalMs?: number;
  /** What is awaited, for the failure: "timed out after 5000 ms waiting for <message>". */
  message?: string;
}

/** A value `waitFor` accepts as done. */
type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Calls `probe` until it returns (or resolves to) a truthy value, and resolves with that value. A
 * probe that throws or rejects counts as not done yet (a server still starting, a command failing
 * until Redis is back); the last such error is named in the failure and kept as its `cause`.
 *
 * `options` may be the message alone, with the timeout as third argument:
 * `waitFor(() => got.length === 2, 'two publications', 10_000)`.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitOptions | string = {},
  timeoutMs?: number,
): Promise<Truthy<Awaited<T>>> {
  const opts: WaitOptions = typeof options === 'string' ? { message: options, timeoutMs } : options;
  const timeout = opts.timeoutMs ?? WAIT_TIMEOUT_MS;
  const interval = opts.intervalMs ?? WAIT_INTERVAL_MS;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Truthy<Awaited<T>>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const what = opts.message ?? 'the condition';
      const detail = lastError === undefined ? '' : ` (last error: ${describe(lastError)})`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail}`, { cause: lastError });
    }
    await sleep(interval);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
