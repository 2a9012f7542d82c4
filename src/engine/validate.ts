/**
 * Argument checks shared by the memory broker and stores. They run on every call, so they are plain
 * comparisons that allocate nothing unless they fail.
 */

import { EngineArgumentError } from './errors.js';
import type { HistoryOptions, HistoryQuery } from './types.js';

/** Throws unless `value` is a number above 0 (Infinity allowed: it means "never"). */
export function requirePositive(name: string, value: number): void {
  if (!(value > 0)) {
    throw new EngineArgumentError(`${name} must be a number above 0, got ${String(value)}`);
  }
}

/** Throws unless `value` is 0 (no expiry) or a positive number. */
export function requireNonNegative(name: string, value: number): void {
  if (!(value >= 0)) {
    throw new EngineArgumentError(`${name} must be 0 (no expiry) or above, got ${String(value)}`);
  }
}

/** Throws unless the history options describe a usable stream. */
export function requireHistoryOptions(options: HistoryOptions): void {
  if (!Number.isInteger(options.size) || options.size <= 0) {
    throw new EngineArgumentError(
      `history.size must be an integer above 0, got ${String(options.size)}; omit history to publish without it`,
    );
  }
  requirePositive('history.ttlMs', options.ttlMs);
  requireNonNegative('history.metaTtlMs', options.metaTtlMs);
}

/** Throws unless the query's limit is -1 (all), 0 (position only) or a positive integer. */
export function requireHistoryQuery(query: HistoryQuery): void {
  if (!Number.isInteger(query.limit) || query.limit < -1) {
    throw new EngineArgumentError(
      `history limit must be -1, 0 or a positive integer, got ${String(query.limit)}`,
    );
  }
  if (query.since !== undefined && !Number.isInteger(query.since.offset)) {
    throw new EngineArgumentError(
      `history since.offset must be an integer, got ${String(query.since.offset)}`,
    );
  }
}

/** How long an idempotency key is kept when the publisher gives none, ms. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 300_000;
