/**
 * The one mapping from a failure to the error on the wire, for client commands and server API
 * calls alike (centrifuge's `toClientErr`): a `CommandError` is sent as it is, an engine outage is
 * the temporary 100 (the client retries), anything else is a bug the caller logs before answering
 * `internalError()`. A `DisconnectError` is not an error reply; callers close the connection first.
 */
import { ErrorCode } from './codes.js';
import { CommandError, engineUnavailable } from './errors.js';
import type { ProtocolError } from './types.js';

/**
 * The stable `code` of the engine's `EngineUnavailableError` (engine/errors.ts), matched by code so
 * the protocol layer imports nothing above it.
 */
const ENGINE_UNAVAILABLE = 'ENGINE_UNAVAILABLE';

/** Whether the failure is the engine being unreachable (Redis down): temporary for the client. */
export function isEngineUnavailable(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === ENGINE_UNAVAILABLE;
}

/** The wire error for an expected failure; undefined for an unexpected one (log it, then answer 100). */
export function toProtocolError(error: unknown): ProtocolError | undefined {
  if (error instanceof CommandError) return error.toProtocol();
  if (isEngineUnavailable(error)) return engineUnavailable().toProtocol();
  return undefined;
}

/** The answer to an unexpected failure: error 100, temporary. */
export function internalError(): ProtocolError {
  return new CommandError(ErrorCode.Internal).toProtocol();
}
