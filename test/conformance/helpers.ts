/**
 * Small helpers for the conformance suites. Suites never assume synchronous delivery: they wait for
 * what must arrive, and wait a fixed settle time before asserting that something did not arrive.
 */
import { randomBytes } from 'node:crypto';
import type { ClientInfo } from '../../src/protocol/types.js';

/** How long a suite waits for an event that must arrive. */
export const DELIVERY_TIMEOUT_MS = 5000;
/** How long a suite waits before asserting that nothing (more) arrived. */
export const SETTLE_MS = 100;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `predicate` to hold, polling; fails with `what` in the message after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs: number = DELIVERY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Gives a backend time to deliver what it should not, before a negative assertion. */
export function settle(): Promise<void> {
  return sleep(SETTLE_MS);
}

/** A channel name no other test (nor an earlier run on a reused backend) uses. */
export function uniqueChannel(label: string): string {
  return `conformance:${label}:${randomBytes(6).toString('hex')}`;
}

/** A client info with JSON-shaped extras, as a gateway would pass. */
export function clientInfo(user: string, client: string, chanInfo?: unknown): ClientInfo {
  const info: ClientInfo = { user, client, conn_info: { device: 'test', n: 1 } };
  if (chanInfo !== undefined) info.chan_info = chanInfo;
  return info;
}
