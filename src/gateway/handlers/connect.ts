import type { ConnectTokenClaims } from '../../auth/types.js';
import { DisconnectCode } from '../../protocol/codes.js';
import { encodeRawReply, encodeSubscribeResults } from '../../protocol/encode.js';
import type { Command, SubscribeResult } from '../../protocol/types.js';
import type { ClientSubscription } from '../client-subscription.js';
import type { Connection } from '../connection.js';
import { DisconnectError } from '../errors.js';
import { expiryMs, ttlSeconds } from '../expiry.js';
import { optionalObject, optionalString } from '../params.js';
import {
  activateSubscription,
  prepareSubscription,
  type SubscriptionRequest,
} from '../subscription-setup.js';
import { rememberTokenChannels, serverSideChannels } from './connect-channels.js';
import { invalidTokenDisconnect, tokenFailure } from './tokens.js';

/**
 * Who connects. Without a token, and unless anonymous connections are allowed, Centrifugo finds no
 * credentials and closes with 3501 (`connectCmd`): the SDK stops there (no reconnect), as it would
 * on an error reply, and a raw client is not left on a socket it cannot use.
 */
async function authenticate(conn: Connection, token: string | undefined): Promise<ConnectTokenClaims> {
  const client = conn.node.config.client;
  if (token === undefined || token === '') {
    if (client.insecure || client.allow_anonymous_connect_without_token) return { sub: '' };
    throw new DisconnectError(DisconnectCode.BadRequest, 'bad request: a connection token is required');
  }
  let claims: ConnectTokenClaims;
  try {
    claims = await conn.node.verifier.verifyConnectToken(token);
  } catch (error) {
    if (client.insecure) return { sub: '' };
    return tokenFailure(error, invalidTokenDisconnect());
  }
  // A token without `sub` is anonymous, which an application may not want from its tokens.
  if (claims.sub === '' && client.disallow_anonymous_connection_tokens) {
    throw new DisconnectError(DisconnectCode.PermissionDenied, 'permission denied: anonymous token');
  }
  return claims;
}

/** A server-side subscription request: the client's `subs` entry for the channel, when it sent one. */
function serverSideRequest(conn: Connection, channel: string, wantedSubs: Record<string, unknown>) {
  // Own entries only: a channel named like an Object.prototype member ("constructor") is a channel.
  const wanted = (Object.hasOwn(wantedSubs, channel) ? optionalObject(wantedSubs, channel) : undefined) ?? {};
  return {
    channel,
    options: conn.node.rules.namespaceOf(channel)!.options,
    serverSide: true,
    recoverable: true,
    recover: wanted['recover'] === true,
    epoch: typeof wanted['epoch'] === 'string' ? wanted['epoch'] : undefined,
    offset: typeof wanted['offset'] === 'number' ? wanted['offset'] : undefined,
  };
}

/** Prepares every server-side subscription, or none: on a failure the ones prepared are removed. */
async function prepareAll(conn: Connection, requests: SubscriptionRequest[]) {
  const settled = await Promise.allSettled(requests.map((req) => prepareSubscription(conn, req)));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed === undefined) {
    return settled.map(
      (s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof prepareSubscription>>>).value,
    );
  }
  for (const s of settled) if (s.status === 'fulfilled') conn.node.removeSubscription(conn, s.value.sub);
  throw failed.reason;
}

/** `connect`: authenticates, subscribes server-side channels (recovering them when asked), starts pings. */
export async function handleConnect(conn: Connection, cmd: Command): Promise<void> {
  const node = conn.node;
  const params = cmd.params;
  const claims = await authenticate(conn, optionalString(params, 'token'));
  // The socket may have gone while the token was checked: a closed connection is never registered.
  if (conn.state === 'closed') return;
  const wantedSubs = optionalObject(params, 'subs') ?? {};
  conn.name = optionalString(params, 'name') ?? '';
  conn.version = optionalString(params, 'version') ?? '';

  // Built before anything is registered, so a bad `subs` entry leaves nothing behind.
  const requests = serverSideChannels(node, claims, Object.keys(wantedSubs)).map((channel) =>
    serverSideRequest(conn, channel, wantedSubs),
  );

  const limit = node.config.client.user_connection_limit;
  if (limit > 0 && claims.sub !== '' && node.userConnectionCount(claims.sub) >= limit) {
    throw new DisconnectError(DisconnectCode.ConnectionLimit);
  }
  conn.user = claims.sub;
  conn.info = claims.info;
  conn.expiresAt = expiryMs(claims.exp);
  node.register(conn);

  let prepared: Awaited<ReturnType<typeof prepareAll>>;
  try {
    prepared = await prepareAll(conn, requests);
  } catch (error) {
    // The connection stays unauthenticated; a later connect may come with another user.
    node.unregister(conn);
    throw error;
  }
  // Closed while the subscriptions were set up: the release removed them; nothing goes live.
  if ((conn.state as string) === 'closed') return;

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
  rememberTokenChannels(conn, claims);
  conn.send(encodeRawReply(cmd.id, 'connect', reply));
  for (const { sub } of prepared) activateSubscription(conn, sub as ClientSubscription);
}
