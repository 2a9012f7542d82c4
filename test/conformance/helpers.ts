/**
 * Small helpers for the conformance suites. Suites never assume synchronous delivery: they wait for
 * what must arrive (the harness's `waitFor`), and wait a fixed settle time before asserting that
 * something did not arrive.
 */
import { randomBytes } from 'node:crypto';
import type { ClientInfo } from '../../src/protocol/types.js';
import { sleep } from '../harness/index.js';

/** How long a suite waits before asserting that nothing (more) arrived. */
export const SETTLE_MS = 100;

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
