/** Claims Switchboard reads from a connection token. */
export interface ConnectTokenClaims {
  /** User id; an empty string (or no `sub` claim) is an anonymous user. */
  sub: string;
  /** Expiry, Unix seconds. Without it the connection never expires. */
  exp?: number;
  /** Connection info, shown to others in presence, join/leave and publications. */
  info?: unknown;
  /** Channels the connection is subscribed to server-side at connect. */
  channels?: string[];
}

/** Claims Switchboard reads from a subscription token. */
export interface SubscriptionTokenClaims {
  /** Must equal the connection's user. */
  sub: string;
  /** Must equal the channel being subscribed. */
  channel: string;
  /** When set, the id of the only connection the token is for (Centrifugo's `client` claim). */
  client?: string;
  /** Expiry, Unix seconds. */
  exp?: number;
  /** Channel info, shown to others as `chan_info`. */
  info?: unknown;
}
