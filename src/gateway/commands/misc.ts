import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import type { Command } from '../../protocol/types.js';
import type { Session } from '../session.js';

/** `ping`: an explicit round trip. */
export function handlePing(session: Session, cmd: Command): void {
  session.reply(cmd.id, 'ping', {});
}

/**
 * `rpc`: this server has no RPC handler, so every call is answered 108 (`not available`), as
 * Centrifugo answers without an RPC proxy: the method exists, the feature is off.
 */
export function handleRpc(_session: Session, _cmd: Command): void {
  throw new CommandError(ErrorCode.NotAvailable, 'not available: this server has no RPC handler');
}

/**
 * `send`: this server has no handler for asynchronous messages, so, as Centrifugo without one, the
 * connection is closed with 3508 (`not available`). A `send` has no reply: dropping it silently
 * would lose every message while the client believes they were delivered.
 */
export function handleSend(_session: Session, _cmd: Command): void {
  throw new DisconnectError(DisconnectCode.NotAvailable);
}
