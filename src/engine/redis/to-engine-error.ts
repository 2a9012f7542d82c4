/**
 * Maps what ioredis throws to the engine's errors. Anything that means "Redis cannot answer right
 * now" — not connected, offline queue disabled, command timeout, connection closed, cluster down,
 * failover in progress, loading, out of memory — becomes `EngineUnavailableError`, which callers
 * treat as temporary. Other Redis replies (a script bug, WRONGTYPE on a foreign key) are passed
 * through unchanged: retrying would not help.
 */
import { EngineUnavailableError } from '../errors.js';

const TEMPORARY_REPLY = /^(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|OOM|NOREPLICAS|MOVED|ASK)\b/;

/** The error to reject a call with, given what ioredis threw while doing `action`. */
export function toEngineError(error: unknown, action: string): unknown {
  if (error instanceof Error && error.name === 'ReplyError' && !TEMPORARY_REPLY.test(error.message)) {
    return error;
  }
  if (error instanceof EngineUnavailableError) return error;
  const reason = !(error instanceof Error)
    ? String(error)
    : error.message.startsWith("Stream isn't writeable")
      ? 'not connected'
      : error.message;
  return new EngineUnavailableError(
    `Redis is unavailable: ${action} failed (${reason}); the engine keeps reconnecting, retry later`,
    { cause: error },
  );
}

/** True when the error is ioredis giving up on a command after `commandTimeout`. */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}
