/**
 * Argument checks shared by the memory broker and stores. They run on every call, so they are plain
 * comparisons that allocate nothing unless they fail.
 */

import { isWellFormed } from '../protocol/unicode.js';
import { EngineArgumentError } from './errors.js';
import type { HistoryOptions, HistoryQuery } from './types.js';

/** Throws unless `value` is a number above 0 (Infinity allowed: it means "never"). */
export function requirePositive(name: string, value: number): void {
  if (!(value > 0)) {
    throw new EngineArgumentError(`${name} must be a number above 0, got ${String(value)}`);
  }
}

/**
 * Throws unless `value` is well-formed Unicode. A lone surrogate has no UTF-8 encoding: in a Redis
 * key or pub/sub channel it would become U+FFFD and so another name (see `protocol/unicode.ts`).
 */
export function requireWellFormed(name: string, value: string): void {
  if (!isWellFormed(value)) {
    const shown = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
    throw new EngineArgumentError(`${name} must be well-formed Unicode (no lone surrogate), got ${shown}`);
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
  // Above 0: a stream's meta must expire, or every channel ever published would be kept for good.
  requirePositive('history.metaTtlMs', options.metaTtlMs);
}

/** Throws unless `version` is absent or a safe integer >= 0 and `versionEpoch` absent or well-formed. */
export function requireVersion(version: number | undefined, versionEpoch: string | undefined): void {
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 0)) {
    throw new EngineArgumentError(`version must be a safe integer >= 0, got ${String(version)}`);
  }
  if (versionEpoch !== undefined) requireWellFormed('versionEpoch', versionEpoch);
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
