/**
 * The equivalent configurations of both servers. Every option is written with its Centrifugo v6 key
 * (which Switchboard uses too) and set explicitly where the two defaults differ, so that each channel
 * behaves the same by configuration on both sides. Keys only one server knows are kept apart in
 * {@link CENTRIFUGO_ONLY} and named in the report.
 */

/** Secret of every connection token the suite signs. */
export const HMAC_SECRET = 'differential-secret-0123456789abcdef';
/** Server API key of both servers. */
export const API_KEY = 'differential-api-key';

/** A set of server settings; each case names the one it runs against. */
export type Profile = 'main' | 'timing';

type Options = Record<string, unknown>;

/** Defaults that differ between the two servers, pinned to one value for every namespace. */
const PINNED: Options = {
  // Centrifugo: false, Switchboard: true.
  allow_user_limited_channels: true,
  allow_subscribe_for_client: true,
};

const HISTORY: Options = { history_size: 10, history_ttl: '300s' };
const CELL: Options = {
  history_size: 1,
  history_ttl: '300s',
  force_recovery: true,
  force_recovery_mode: 'cache',
};
const FOSSIL: Options = { allowed_delta_types: ['fossil'] };

/** Channel options of `channel.without_namespace` and each namespace, by namespace name. */
export const CHANNELS: { withoutNamespace: Options; namespaces: Record<string, Options> } = {
  withoutNamespace: { ...PINNED, allow_publish_for_subscriber: true },
  namespaces: {
    // Everything on for subscribers: presence, join/leave pushed to all, history with forced recovery.
    chat: {
      ...PINNED,
      ...HISTORY,
      presence: true,
      join_leave: true,
      force_push_join_leave: true,
      force_recovery: true,
      allow_publish_for_subscriber: true,
      allow_presence_for_subscriber: true,
      allow_history_for_subscriber: true,
    },
    // Open to any authenticated client without subscribing; recovery and positioning on request.
    open: {
      ...PINNED,
      ...HISTORY,
      presence: true,
      allow_recovery: true,
      allow_positioning: true,
      allow_publish_for_client: true,
      allow_presence_for_client: true,
      allow_history_for_client: true,
    },
    // Presence and history kept, but no client may subscribe, publish or read them.
    locked: { ...PINNED, ...HISTORY, presence: true, allow_subscribe_for_client: false },
    // Subscribe and publish only: no presence, no history.
    plain: { ...PINNED, allow_publish_for_client: true },
    // History and client publish, with tags filters allowed.
    tagged: {
      ...PINNED,
      ...HISTORY,
      allow_recovery: true,
      allow_publish_for_client: true,
      allow_tags_filter: true,
    },
    // History any client may read, no recovery or positioning keys: granted on request by that access.
    readable: { ...PINNED, ...HISTORY, allow_history_for_client: true },
    // Key-value cells: cache recovery mode keeps and recovers only the latest publication.
    cell: { ...PINNED, ...CELL },
    // The same, recovered on every subscribe without the client asking.
    autocell: { ...PINNED, ...CELL, auto_cache_recover: true },
    // Fossil deltas for every publication (`delta_publish`), positions tracked on every subscribe
    // (Centrifugo OSS makes deltas only against a position); subscribers may publish and read history.
    delta: {
      ...PINNED,
      ...HISTORY,
      ...FOSSIL,
      delta_publish: true,
      force_positioning: true,
      allow_publish_for_subscriber: true,
      allow_history_for_subscriber: true,
      allow_tags_filter: true,
    },
    // The same with forced recovery: a resubscribe recovers the missed publications as a delta chain.
    deltarec: { ...PINNED, ...HISTORY, ...FOSSIL, delta_publish: true, force_recovery: true },
    // Deltas allowed, but only for publications the server API marks `delta: true`.
    deltamarked: {
      ...PINNED,
      ...HISTORY,
      ...FOSSIL,
      force_positioning: true,
      allow_publish_for_subscriber: true,
    },
    // Deltas allowed and published, but no history: no position to make a delta against.
    deltanopos: { ...PINNED, ...FOSSIL, delta_publish: true },
  },
};

/** Options only Centrifugo has, by namespace: Switchboard refuses unknown keys. */
export const CENTRIFUGO_ONLY: Record<string, Options> = {};

/**
 * Client settings only Switchboard has, set to what Centrifugo OSS does: it has no per-connection
 * command rate limit (Switchboard: 100 per second by default), so a message of 256 commands is
 * answered whole on both.
 */
export const SWITCHBOARD_ONLY_CLIENT: Options = { command_rate_limit: 0 };

/** Client settings of a profile, common to both servers. */
function clientSettings(profile: Profile): Options {
  const timing =
    profile === 'timing'
      ? { ping_interval: '2s', pong_timeout: '1s', stale_close_delay: '1s', expired_close_delay: '1s' }
      : { ping_interval: '25s', pong_timeout: '8s', stale_close_delay: '10s', expired_close_delay: '25s' };
  return {
    token: { hmac_secret_key: HMAC_SECRET },
    allow_anonymous_connect_without_token: false,
    // Centrifugo: off by default, Switchboard: on.
    subscribe_to_user_personal_channel: { enabled: false },
    channel_limit: 128,
    history_max_publication_limit: 300,
    recovery_max_publication_limit: 300,
    ...timing,
  };
}

function channelSection(extra: Record<string, Options>): Options {
  return {
    without_namespace: CHANNELS.withoutNamespace,
    namespaces: Object.entries(CHANNELS.namespaces).map(([name, options]) => ({
      name,
      ...options,
      ...(extra[name] ?? {}),
    })),
  };
}

/** The Centrifugo v6 config file of a profile. */
export function centrifugoConfig(profile: Profile, port: number): Options {
  return {
    http_server: { address: '127.0.0.1', port },
    log: { level: 'error' },
    health: { enabled: true },
    usage_stats: { disabled: true },
    shutdown: { timeout: '1s' },
    client: clientSettings(profile),
    channel: channelSection(CENTRIFUGO_ONLY),
    http_api: { key: API_KEY },
  };
}

/** The Switchboard config file of a profile. */
export function switchboardConfig(profile: Profile, port: number): Options {
  return {
    http_server: { address: '127.0.0.1', port },
    node: { name: `differential-${profile}` },
    log: { level: 'error', format: 'json' },
    shutdown: { timeout: '1s', drain_duration: '0s' },
    client: { ...clientSettings(profile), ...SWITCHBOARD_ONLY_CLIENT },
    channel: channelSection({}),
    http_api: { key: API_KEY },
    prometheus: { enabled: false },
  };
}
