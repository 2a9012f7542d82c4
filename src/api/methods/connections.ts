import { DisconnectCode, disconnectReason, ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalStringArray,
  type Params,
  requireString,
  wellFormed,
} from '../../protocol/params.js';
import type { ApiContext } from '../context.js';

/** The `user` parameter: any string (the empty one is the anonymous user), well-formed. */
export function requireUser(params: Params): string {
  const user = params['user'];
  if (typeof user !== 'string')
    throw new CommandError(ErrorCode.BadRequest, 'bad request: "user" must be a string');
  return wellFormed('user', user);
}

function checkChannel(ctx: ApiContext, channel: string): void {
  const code = ctx.rules.validate(channel);
  if (code !== null) throw new CommandError(code);
}

/** `subscribe`: subscribes a user's connections (on every node) to a channel, server-side. */
export async function subscribe(ctx: ApiContext, params: Params): Promise<string> {
  const user = requireUser(params);
  const channel = requireString(params, 'channel');
  checkChannel(ctx, channel);
  await ctx.control({ type: 'subscribe', user, channel, client: optionalString(params, 'client') });
  return '{}';
}

/** `unsubscribe`: removes a user's connections (on every node) from a channel. */
export async function unsubscribe(ctx: ApiContext, params: Params): Promise<string> {
  const user = requireUser(params);
  const channel = requireString(params, 'channel');
  checkChannel(ctx, channel);
  await ctx.control({ type: 'unsubscribe', user, channel, client: optionalString(params, 'client') });
  return '{}';
}

/** `disconnect`: closes a user's connections on every node, default code 3503 (no reconnect). */
export async function disconnect(ctx: ApiContext, params: Params): Promise<string> {
  const user = requireUser(params);
  const custom = optionalObject(params, 'disconnect');
  const code =
    custom === undefined ? DisconnectCode.ForceNoReconnect : (optionalInteger(custom, 'code', 3000) ?? 3503);
  if (code > 4999)
    throw new CommandError(ErrorCode.BadRequest, 'bad request: disconnect code must be 3000-4999');
  const reason =
    (custom === undefined ? undefined : optionalString(custom, 'reason')) ??
    disconnectReason(code as DisconnectCode) ??
    'disconnect';
  // The reason travels in the WebSocket close frame, which holds 123 bytes; a longer one makes
  // ws.close throw while the control message is applied, leaving the socket open.
  if (Buffer.byteLength(reason) > 123)
    throw new CommandError(ErrorCode.BadRequest, 'bad request: disconnect reason must be at most 123 bytes');
  await ctx.control({
    type: 'disconnect',
    user,
    client: optionalString(params, 'client'),
    code,
    reason,
    whitelist: optionalStringArray(params, 'whitelist'),
  });
  return '{}';
}

/** `refresh`: marks a user's connections expired, or sets a new expiry time (Unix seconds). */
export async function refresh(ctx: ApiContext, params: Params): Promise<string> {
  const user = requireUser(params);
  await ctx.control({
    type: 'refresh',
    user,
    client: optionalString(params, 'client'),
    expired: optionalBoolean(params, 'expired'),
    expireAt: optionalInteger(params, 'expire_at', 0),
  });
  return '{}';
}
