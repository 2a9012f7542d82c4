/**
 * The errors a command ends with, for client commands and server API calls alike: an error reply
 * (CommandError, codes 100-112) or the end of the connection (DisconnectError, codes 3000+).
 */
import { type DisconnectCode, disconnectReason, ErrorCode, errorMessage, isTemporaryError } from './codes.js';
import type { ProtocolError } from './types.js';

/** A command failed; the client gets an error reply with this code and stays connected. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Marks the error temporary or not; by default the code decides (100 and 111 are). */
    readonly temporary: boolean = isTemporaryError(code),
  ) {
    super(message ?? errorMessage(code));
  }

  /** The error object sent on the wire. */
  toProtocol(): ProtocolError {
    const error: ProtocolError = { code: this.code, message: this.message };
    if (this.temporary) error.temporary = true;
    return error;
  }
}

/**
 * An error the application's backend answered a proxy call with: its own code (Centrifugo advises
 * 400–1999 for application errors), message and `temporary` flag go to the client as they came.
 */
export function backendError(code: number, message: string, temporary: boolean): CommandError {
  return new CommandError(code as ErrorCode, message, temporary);
}

/** A disconnect the backend asked for (Centrifugo advises 4000–4999 for application codes). */
export function backendDisconnect(code: number, reason: string): DisconnectError {
  return new DisconnectError(code as DisconnectCode, reason);
}

/** The error clients and API callers get while the engine is unreachable: code 100, temporary. */
export function engineUnavailable(): CommandError {
  return new CommandError(ErrorCode.Internal, 'engine unavailable, retry later');
}

/** A command that must end the connection with this disconnect code. */
export class DisconnectError extends Error {
  override readonly name = 'DisconnectError';
  constructor(
    readonly code: DisconnectCode,
    readonly reason: string = disconnectReason(code),
  ) {
    super(reason);
  }
}
