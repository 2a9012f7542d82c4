/**
 * Whether a client may subscribe, publish, read presence or read history in a channel. Pure
 * functions of a {@link PermissionContext}; each returns the protocol error code to reply with, or
 * null when the action is allowed.
 */
import type { ChannelOptions } from '../config/types.js';
import { ErrorCode } from '../protocol/codes.js';
import type { ChannelRules } from './channel-rules.js';

/** What a permission check looks at. */
export interface PermissionContext {
  /** The connection's user; `''` is anonymous. */
  user: string;
  channel: string;
  /** Options of the channel's namespace (from {@link ChannelRules.namespaceOf}). */
  options: ChannelOptions;
  /** Whether the connection is subscribed to the channel. */
  subscribed: boolean;
  /** Whether the client sent a subscription token the caller verified for this channel and user. */
  hasSubscriptionToken: boolean;
  rules: ChannelRules;
}

/**
 * Whether the connection's user passes the anonymous gate of an option family: authenticated users
 * always do, the anonymous user `''` only with the family's `allow_*_for_anonymous`. In Centrifugo
 * that option adds anonymous users to what the `_for_client` / `_for_subscriber` options grant; it
 * grants nothing on its own.
 */
function passesAnonymousGate(user: string, allowAnonymous: boolean): boolean {
  return user !== '' || allowAnonymous;
}

/**
 * Subscribe. A verified subscription token grants it. Without one: private channels are refused;
 * user-limited channels (`#` with `allow_user_limited_channels`) admit exactly the listed users (an
 * empty entry, as in `dialog#`, is the anonymous user); other channels need
 * `allow_subscribe_for_client`, and for anonymous users `allow_subscribe_for_anonymous` too.
 */
export function canSubscribe(ctx: PermissionContext): ErrorCode | null {
  if (ctx.hasSubscriptionToken) return null;
  if (ctx.rules.isPrivate(ctx.channel)) return ErrorCode.PermissionDenied;
  if (ctx.options.allow_user_limited_channels) {
    const users = ctx.rules.allowedUsers(ctx.channel);
    if (users !== null) return users.includes(ctx.user) ? null : ErrorCode.PermissionDenied;
  }
  const { options } = ctx;
  const allowed =
    options.allow_subscribe_for_client &&
    passesAnonymousGate(ctx.user, options.allow_subscribe_for_anonymous);
  return allowed ? null : ErrorCode.PermissionDenied;
}

/**
 * Whether a channel the client names in `connect.subs` (a server-side subscription it held before)
 * is joined again at connect, as Centrifugo's `OnClientConnecting` decides: only where the client
 * could subscribe to it itself without a token — never a private channel, a user-limited one only
 * for a listed authenticated user, otherwise `allow_subscribe_for_client` (and
 * `allow_subscribe_for_anonymous` for anonymous users). A subscription token never comes into it.
 */
export function canRejoinAtConnect(ctx: PermissionContext): boolean {
  if (ctx.rules.isPrivate(ctx.channel)) return false;
  const { options } = ctx;
  // The backend decides who subscribes there; a reconnecting client subscribes again itself.
  if (options.subscribe_proxy_enabled) return false;
  const users = options.allow_user_limited_channels ? ctx.rules.allowedUsers(ctx.channel) : null;
  if (users !== null) return ctx.user !== '' && users.includes(ctx.user);
  return (
    options.allow_subscribe_for_client && passesAnonymousGate(ctx.user, options.allow_subscribe_for_anonymous)
  );
}

/**
 * Publish from the client: `allow_publish_for_client`, or `allow_publish_for_subscriber` while
 * subscribed; for anonymous users `allow_publish_for_anonymous` as well.
 */
export function canPublish(ctx: PermissionContext): ErrorCode | null {
  const { options } = ctx;
  const allowed =
    (options.allow_publish_for_client || (ctx.subscribed && options.allow_publish_for_subscriber)) &&
    passesAnonymousGate(ctx.user, options.allow_publish_for_anonymous);
  return allowed ? null : ErrorCode.PermissionDenied;
}

/**
 * Presence and presence stats. `ErrorCode.NotAvailable` unless the namespace keeps presence; then
 * granted by `allow_presence_for_client`, or `allow_presence_for_subscriber` while subscribed; for
 * anonymous users `allow_presence_for_anonymous` as well.
 */
export function canPresence(ctx: PermissionContext): ErrorCode | null {
  const { options } = ctx;
  if (!options.presence) return ErrorCode.NotAvailable;
  const allowed =
    (options.allow_presence_for_client || (ctx.subscribed && options.allow_presence_for_subscriber)) &&
    passesAnonymousGate(ctx.user, options.allow_presence_for_anonymous);
  return allowed ? null : ErrorCode.PermissionDenied;
}

/**
 * History. `ErrorCode.NotAvailable` unless the namespace keeps history (`history_size` and
 * `history_ttl` both > 0); then granted by `allow_history_for_client`, or
 * `allow_history_for_subscriber` while subscribed; for anonymous users `allow_history_for_anonymous`
 * as well.
 */
export function canHistory(ctx: PermissionContext): ErrorCode | null {
  const { options } = ctx;
  if (!hasHistory(options)) return ErrorCode.NotAvailable;
  const allowed =
    (options.allow_history_for_client || (ctx.subscribed && options.allow_history_for_subscriber)) &&
    passesAnonymousGate(ctx.user, options.allow_history_for_anonymous);
  return allowed ? null : ErrorCode.PermissionDenied;
}

/** Whether channels with these options keep a history stream. */
export function hasHistory(options: ChannelOptions): boolean {
  return options.history_size > 0 && options.history_ttl > 0;
}
