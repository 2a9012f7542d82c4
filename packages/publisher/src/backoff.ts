/** Delays between attempts: exponential, capped, with jitter. */

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. Default 100 ms. */
  initialMs?: number;
  /** Largest delay, before jitter. Default 5,000 ms. */
  maxMs?: number;
  /** Growth per retry. Default 2. */
  factor?: number;
}

/**
 * The delay before retry number `retry` (0 for the first): `min(maxMs, initialMs * factor^retry)`,
 * of which a random half is taken off ("equal jitter"), so that many publishers failing at once do
 * not retry in step, while each still waits at least half the nominal delay.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}, random = Math.random): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const factor = options.factor ?? 2;
  const nominal = Math.min(max, initial * factor ** retry);
  return nominal / 2 + random() * (nominal / 2);
}
