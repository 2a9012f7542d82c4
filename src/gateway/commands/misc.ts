import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import { optionalString } from '../../protocol/params.js';
import type { Command, RpcResult } from '../../protocol/types.js';
import type { ProxyPayload } from '../proxy-port.js';
import type { Session } from '../session.js';
import type { CommandContext } from './context.js';
import { optionalPayload } from './proxy-fields.js';

/** The rpc reply's data: JSON text, or bytes (base64) a Protobuf client gets as they are. */
function rpcResult(payload: ProxyPayload): RpcResult {
  return payload.binary === true ? { data: payload.data, binary: true } : { data: payload.data };
}

/** `ping`: an explicit round trip. */
export function handlePing(session: Session, cmd: Command): void {
  session.reply(cmd.id, 'ping', {});
}

/**
 * `rpc`: forwarded by method to the RPC proxy of its RPC namespace. Without any RPC proxy every
 * call is answered 108 (`not available`), as Centrifugo answers: the method exists, the feature is off.
 */
export async function handleRpc(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const method = optionalString(cmd.params, 'method') ?? '';
  // `rpc.ping`: a built-in method answering an empty result, for clients checking the round trip.
  const ping = ctx.config.rpc.ping;
  if (ping.enabled && method === ping.method) {
    session.reply(cmd.id, 'rpc', {});
    return;
  }
  if (ctx.proxies === undefined || !ctx.proxies.hasRpc) {
    throw new CommandError(ErrorCode.NotAvailable, 'not available: this server has no RPC handler');
  }
  const result = await ctx.proxies.rpc(session, method, optionalPayload(cmd.params));
  session.reply(cmd.id, 'rpc', result === undefined ? {} : rpcResult(result));
}

/**
 * `send`: this server has no handler for asynchronous messages, so, as Centrifugo without one, the
 * connection is closed with 3508 (`not available`). A `send` has no reply: dropping it silently
 * would lose every message while the client believes they were delivered.
 */
export function handleSend(_session: Session, _cmd: Command): void {
  throw new DisconnectError(DisconnectCode.NotAvailable);
}
