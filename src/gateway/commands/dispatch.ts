/**
 * The one command dispatcher (centrifuge's `dispatchCommand`): checks the command fits the session's
 * state, runs its handler, counts it, and turns a failure into what the client gets — a disconnect
 * for a `DisconnectError`, an error reply otherwise (an unexpected failure is logged and answered
 * 100, as Centrifugo answers an internal error).
 */
import { DisconnectCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import { uniConnectDisconnect } from '../../protocol/json/uni.js';
import { internalError, toProtocolError } from '../../protocol/to-protocol-error.js';
import type { Command, ProtocolError } from '../../protocol/types.js';
import type { ConnectionHost } from '../connection-host.js';
import type { Session } from '../session.js';
import { commandHandlers } from './index.js';

/** What the dispatcher reads from the node. */
export type DispatchHost = Pick<ConnectionHost, 'commands' | 'log' | 'metrics'>;

/**
 * `refuse`: the command was a `connect` that failed with an error reply. Centrifugo then marks the
 * connection unusable and stops reading it (`handleCommandDispatchError`), so one socket cannot be
 * used to try token after token.
 */
export type DispatchOutcome = 'done' | 'refuse';

/** Runs one command on a session. Never throws. */
export async function dispatchCommand(
  session: Session,
  cmd: Command,
  host: DispatchHost,
): Promise<DispatchOutcome> {
  if (session.state === 'opening' && cmd.method !== 'connect') {
    session.close(DisconnectCode.BadRequest, 'bad request: connect first');
    return 'done';
  }
  if (session.state === 'connected' && cmd.method === 'connect') {
    session.close(DisconnectCode.BadRequest, 'bad request: already connected');
    return 'done';
  }
  try {
    await commandHandlers[cmd.method](session, cmd, host.commands);
    host.metrics?.commandOk(cmd.method);
    return 'done';
  } catch (error) {
    host.metrics?.commandFailed(cmd.method, error);
    if (session.state === 'closed') return 'done';
    if (error instanceof DisconnectError) {
      session.close(error.code, error.reason);
    } else if (session.encoding.unidirectional === true) {
      // No replies on a unidirectional transport: the failure ends the session, as in Centrifugo.
      session.close(uniConnectDisconnect(wireError(session, cmd, error, host)));
      return 'done';
    } else {
      replyError(session, cmd.id, wireError(session, cmd, error, host));
    }
    return cmd.method === 'connect' && session.state === 'opening' ? 'refuse' : 'done';
  }
}

/** The error reply for a failed command; an unexpected failure is logged and becomes 100. */
function wireError(session: Session, cmd: Command, error: unknown, host: DispatchHost): ProtocolError {
  const wire = toProtocolError(error);
  if (wire === undefined) {
    host.log.error({ err: error, client: session.id, method: cmd.method }, 'command failed');
    return internalError();
  }
  if (error instanceof CommandError) {
    host.log.debug(
      { client: session.id, user: session.user, method: cmd.method, code: error.code },
      'command refused',
    );
  }
  return wire;
}

/** Queues an error reply to command `id` (a command without id gets none). */
export function replyError(session: Session, id: number, error: ProtocolError): void {
  if (id > 0) session.enqueue(session.encoding.errorReply(id, error));
}
