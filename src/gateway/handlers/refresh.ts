import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { encodeReply } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { CommandError, DisconnectError } from '../errors.js';
import { requireString } from '../params.js';
import {
  expiryMs,
  invalidTokenDisconnect,
  tokenFailure,
  ttlSeconds,
  verifySubscriptionToken,
} from './tokens.js';

/** `refresh`: a new connection token for the same user extends the connection. */
export async function handleRefresh(conn: Connection, cmd: Command): Promise<void> {
  const token = requireString(cmd.params, 'token');
  let claims: Awaited<ReturnType<typeof conn.node.verifier.verifyConnectToken>>;
  try {
    claims = await conn.node.verifier.verifyConnectToken(token);
  } catch (error) {
    tokenFailure(error, invalidTokenDisconnect());
  }
  if (claims.sub !== conn.user) throw new DisconnectError(DisconnectCode.InvalidToken);
  conn.expiresAt = expiryMs(claims.exp);
  if (claims.info !== undefined) conn.info = claims.info;
  conn.reschedule();
  const result: Record<string, unknown> = { client: conn.id, version: conn.node.version };
  if (conn.expiresAt > 0) {
    result['expires'] = true;
    result['ttl'] = ttlSeconds(conn.expiresAt);
  }
  conn.send(encodeReply(cmd.id, 'refresh', result));
}

/** `sub_refresh`: a new subscription token extends one subscription. */
export async function handleSubRefresh(conn: Connection, cmd: Command): Promise<void> {
  const channel = requireString(cmd.params, 'channel');
  const token = requireString(cmd.params, 'token');
  const sub = conn.subs.get(channel);
  if (sub === undefined)
    throw new CommandError(ErrorCode.PermissionDenied, 'permission denied: not subscribed');
  const claims = await verifySubscriptionToken(conn, channel, token);
  sub.expiresAt = expiryMs(claims.exp);
  conn.reschedule();
  const result: Record<string, unknown> = {};
  if (sub.expiresAt > 0) {
    result['expires'] = true;
    result['ttl'] = ttlSeconds(sub.expiresAt);
  }
  conn.send(encodeReply(cmd.id, 'sub_refresh', result));
}
