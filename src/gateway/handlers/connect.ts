import type { ConnectTokenClaims } from '../../auth/types.js';
import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { encodeRawReply, encodeSubscribeResults } from '../../protocol/encode.js';
import type { Command, SubscribeResult } from '../../protocol/types.js';
import type { ClientSubscription } from '../client-subscription.js';
import type { Connection } from '../connection.js';
import { CommandError, DisconnectError } from '../errors.js';
import { optionalObject, optionalString } from '../params.js';
import { activateSubscription, prepareSubscription } from '../subscription-setup.js';
import { expiryMs, invalidTokenDisconnect, tokenFailure, ttlSeconds } from './tokens.js';

async function authenticate(conn: Connection, token: string | undefined): Promise<ConnectTokenClaims> {
  const client = conn.node.config.client;
  if (token === undefined || token === '') {
    if (client.insecure || client.allow_anonymous_connect_without_token) return { sub: '' };
    throw new CommandError(ErrorCode.Unauthorized, 'unauthorized: a connection token is required');
  }
  try {
    return await conn.node.verifier.verifyConnectToken(token);
  } catch (error) {
    if (client.insecure) return { sub: '' };
    return tokenFailure(error, invalidTokenDisconnect());
  }
}

/** `connect`: authenticates, subscribes server-side channels (recovering them when asked), starts pings. */
export async function handleConnect(conn: Connection, cmd: Command): Promise<void> {
  const node = conn.node;
  const params = cmd.params;
  const claims = await authenticate(conn, optionalString(params, 'token'));
  const wantedSubs = optionalObject(params, 'subs') ?? {};
  conn.name = optionalString(params, 'name') ?? '';
  conn.version = optionalString(params, 'version') ?? '';
  conn.user = claims.sub;
  conn.info = claims.info;
  conn.expiresAt = expiryMs(claims.exp);

  const limit = node.config.client.user_connection_limit;
  if (limit > 0 && conn.user !== '' && node.userConnectionCount(conn.user) >= limit) {
    throw new DisconnectError(DisconnectCode.ConnectionLimit);
  }
  node.register(conn);

  const channels = new Set<string>(claims.channels ?? []);
  const personal = node.config.client.subscribe_to_user_personal_channel;
  if (personal.enabled && conn.user !== '') channels.add(node.rules.personalChannel(conn.user));

  const prepared = await Promise.all(
    [...channels]
      .filter((channel) => node.rules.validate(channel) === null)
      .slice(0, node.config.client.channel_limit || undefined)
      .map((channel) => {
        const ns = node.rules.namespaceOf(channel)!;
        const wanted = optionalObject(wantedSubs, channel) ?? {};
        return prepareSubscription(conn, {
          channel,
          options: ns.options,
          serverSide: true,
          recoverable: true,
          recover: wanted['recover'] === true,
          epoch: typeof wanted['epoch'] === 'string' ? wanted['epoch'] : undefined,
          offset: typeof wanted['offset'] === 'number' ? wanted['offset'] : undefined,
        });
      }),
  );

  const subs = new Map<string, SubscribeResult>();
  for (const { sub, result } of prepared) subs.set(sub.channel, result);
  const client = node.config.client;
  let reply = `{"client":"${conn.id}","version":${JSON.stringify(node.version)}`;
  if (conn.expiresAt > 0) {
    reply += `,"expires":true,"ttl":${ttlSeconds(conn.expiresAt)}`;
  }
  if (subs.size > 0) reply += `,"subs":${encodeSubscribeResults(subs)}`;
  reply += `,"ping":${Math.max(1, Math.round(client.ping_interval / 1000))},"pong":true,"node":${JSON.stringify(node.uid)}}`;
  conn.markConnected();
  conn.send(encodeRawReply(cmd.id, 'connect', reply));
  for (const { sub } of prepared) activateSubscription(conn, sub as ClientSubscription);
}
