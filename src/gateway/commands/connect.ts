import type { ConnectTokenClaims } from '../../auth/types.js';
import { DisconnectCode } from '../../protocol/codes.js';
import { DisconnectError } from '../../protocol/errors.js';
import {
  optionalObject,
  optionalString,
  optionalStringArray,
  type Params,
  wellFormed,
} from '../../protocol/params.js';
import type { Command, ConnectResult, SubscribeResult } from '../../protocol/types.js';
import { expiryMs, ttlSeconds } from '../expiry.js';
import type { ConnectProxyOutcome, ProxyPort, ProxySubscription } from '../proxy-port.js';
import type { Session } from '../session.js';
import type { PreparedSubscription } from '../subscriptions/setup.js';
import { goLive, prepareAll } from '../subscriptions/subscribe.js';
import { rememberTokenChannels, serverSideChannels } from './connect-channels.js';
import type { CommandContext } from './context.js';
import { emulatedHeaders, optionalPayload, withOverride } from './proxy-fields.js';
import { invalidTokenDisconnect, tokenFailure } from './tokens.js';

/**
 * Who connects. Without a token, and unless anonymous connections are allowed, Centrifugo finds no
 * credentials and closes with 3501 (`connectCmd`): the SDK stops there (no reconnect), as it would
 * on an error reply, and a raw client is not left on a socket it cannot use.
 */
async function authenticate(ctx: CommandContext, token: string | undefined): Promise<ConnectTokenClaims> {
  const client = ctx.config.client;
  if (token === undefined || token === '') {
    if (client.insecure || client.allow_anonymous_connect_without_token) return { sub: '' };
    throw new DisconnectError(DisconnectCode.BadRequest, 'bad request: a connection token is required');
  }
  let claims: ConnectTokenClaims;
  try {
    claims = await ctx.verifier.verifyConnectToken(token);
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

/**
 * Who connects through the connect proxy (a connect without a token): the backend's user, expiry,
 * info and server-side channels. A backend that answers no result leaves the client without
 * credentials: anonymous where allowed, else closed with 3501 as without a token.
 */
async function authenticateByProxy(
  ctx: CommandContext,
  session: Session,
  connect: NonNullable<ProxyPort['connect']>,
  params: Params,
  name: string,
  version: string,
): Promise<{ claims: ConnectTokenClaims; outcome: ConnectProxyOutcome | undefined }> {
  session.emulatedHeaders = emulatedHeaders(ctx, params);
  const outcome = await connect(session, {
    data: optionalPayload(params),
    name,
    version,
    channels: optionalStringArray(params, 'channels') ?? [],
  });
  if (outcome === undefined) return { claims: await authenticate(ctx, undefined), outcome };
  session.meta = outcome.meta;
  const claims: ConnectTokenClaims = { sub: outcome.user, channels: [...outcome.subs.keys()] };
  if (outcome.expireAt > 0) claims.exp = outcome.expireAt;
  if (outcome.info !== undefined) claims.info = outcome.info;
  return { claims, outcome };
}

/** A server-side subscription request: the client's `subs` entry for the channel, when it sent one. */
function serverSideRequest(
  ctx: CommandContext,
  channel: string,
  wantedSubs: Record<string, unknown>,
  fromProxy: ProxySubscription | undefined,
) {
  // Own entries only: a channel named like an Object.prototype member ("constructor") is a channel.
  const wanted = (Object.hasOwn(wantedSubs, channel) ? optionalObject(wantedSubs, channel) : undefined) ?? {};
  return {
    channel,
    options: withOverride(ctx.rules.namespaceOf(channel)!.options, fromProxy?.override),
    chanInfo: fromProxy?.info,
    data: fromProxy?.data,
    serverSide: true,
    recoverable: true,
    recover: wanted['recover'] === true,
    epoch: typeof wanted['epoch'] === 'string' ? wanted['epoch'] : undefined,
    offset: typeof wanted['offset'] === 'number' ? wanted['offset'] : undefined,
  };
}

/** `connect`: authenticates, subscribes server-side channels (recovering them when asked), starts pings. */
export async function handleConnect(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const params = cmd.params;
  const name = optionalString(params, 'name') ?? '';
  const version = optionalString(params, 'version') ?? '';
  const token = optionalString(params, 'token');
  const connectProxy = ctx.proxies?.connect;
  const { claims, outcome } =
    (token === undefined || token === '') && connectProxy !== undefined
      ? await authenticateByProxy(ctx, session, connectProxy, params, name, version)
      : { claims: await authenticate(ctx, token), outcome: undefined };
  // The socket may have gone while the token was checked: a closed connection is never registered.
  if (session.state === 'closed') return;
  const wantedSubs = optionalObject(params, 'subs') ?? {};
  // Channel names are well-formed Unicode everywhere; the engine refuses others (as a bug, 100).
  for (const channel of Object.keys(wantedSubs)) wellFormed('subs', channel);
  // With a refresh proxy the node refreshes connections itself (Centrifugo's `ClientSideRefresh: false`).
  session.serverRefresh = ctx.proxies?.refresh !== undefined;

  // Built before anything is registered, so a bad `subs` entry leaves nothing behind.
  const requests = serverSideChannels(ctx, claims, Object.keys(wantedSubs)).map((channel) =>
    serverSideRequest(ctx, channel, wantedSubs, outcome?.subs.get(channel)),
  );

  const limit = ctx.config.client.user_connection_limit;
  if (limit > 0 && claims.sub !== '' && ctx.sessions.userConnectionCount(claims.sub) >= limit) {
    throw new DisconnectError(DisconnectCode.ConnectionLimit);
  }
  session.identify({ user: claims.sub, info: claims.info, name, version });
  session.expiresAt = expiryMs(claims.exp);
  ctx.sessions.register(session);

  let prepared: PreparedSubscription[];
  try {
    prepared = await prepareAll(ctx.subscriptions, session, requests);
  } catch (error) {
    // The connection stays unauthenticated; a later connect may come with another user.
    ctx.sessions.unregister(session);
    throw error;
  }
  // Closed while the subscriptions were set up: the release removed them; nothing goes live.
  goLive(ctx.subscriptions, session, prepared, () => {
    session.markConnected();
    if (outcome === undefined) rememberTokenChannels(session, claims);
    const result = connectResult(ctx, session, prepared);
    if (outcome?.data !== undefined) result.data = outcome.data;
    session.reply(cmd.id, 'connect', result);
  });
}

/** The connect reply's result: client id, expiry, server-side subscriptions, ping settings. */
function connectResult(
  ctx: CommandContext,
  session: Session,
  prepared: PreparedSubscription[],
): ConnectResult {
  const subs = new Map<string, SubscribeResult>();
  for (const { sub, result } of prepared) subs.set(sub.channel, result);
  const result: ConnectResult = { client: session.id, version: ctx.node.version };
  // A connection the node refreshes itself tells the client no expiry, so it sends no `refresh`.
  if (session.expiresAt > 0 && !session.serverRefresh) {
    result.expires = true;
    result.ttl = ttlSeconds(session.expiresAt);
  }
  if (subs.size > 0) result.subs = subs;
  result.ping = Math.max(1, Math.round(ctx.config.client.ping_interval / 1000));
  // A unidirectional client cannot answer pings.
  result.pong = session.encoding.unidirectional !== true;
  // An emulated transport's commands name the session and its node (`/emulation`).
  if (session.streamSession !== '') result.session = session.streamSession;
  result.node = ctx.node.uid;
  return result;
}
