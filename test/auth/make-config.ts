/** Hand-built resolved configurations for auth tests (the config loader is tested elsewhere). */
import type { ChannelOptions, Config, NamespaceConfig, TokenConfig } from '../../src/config/types.js';

/** Channel options with the documented defaults, overridden by `overrides`. */
export function channelOptions(overrides: Partial<ChannelOptions> = {}): ChannelOptions {
  return {
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: false,
    allow_publish_for_subscriber: false,
    allow_publish_for_client: false,
    allow_publish_for_anonymous: false,
    presence: false,
    join_leave: false,
    force_push_join_leave: false,
    allow_presence_for_subscriber: false,
    allow_presence_for_client: false,
    allow_history_for_subscriber: false,
    allow_history_for_client: false,
    allow_user_limited_channels: true,
    history_size: 0,
    history_ttl: 0,
    history_meta_ttl: 30 * 24 * 3600 * 1000,
    force_recovery: false,
    allow_recovery: false,
    force_positioning: false,
    allow_positioning: false,
    ...overrides,
  };
}

/** A namespace with default options, overridden by `overrides`. */
export function namespace(name: string, overrides: Partial<ChannelOptions> = {}): NamespaceConfig {
  return { name, ...channelOptions(overrides) };
}

/** A token configuration with no key, overridden by `overrides`. */
export function tokenConfig(overrides: Partial<TokenConfig> = {}): TokenConfig {
  return {
    hmac_secret_key: '',
    rsa_public_key: '',
    ecdsa_public_key: '',
    ed25519_public_key: '',
    jwks_public_endpoint: '',
    audience: '',
    issuer: '',
    ...overrides,
  };
}

/** What {@link makeConfig} varies. */
export interface ConfigOverrides {
  withoutNamespace?: Partial<ChannelOptions>;
  namespaces?: NamespaceConfig[];
  maxLength?: number;
  personalChannelNamespace?: string;
  token?: Partial<TokenConfig>;
  subscriptionToken?: Partial<TokenConfig> & { enabled?: boolean };
}

/** A complete resolved configuration with defaults. */
export function makeConfig(overrides: ConfigOverrides = {}): Config {
  const { enabled = false, ...subscriptionToken } = overrides.subscriptionToken ?? {};
  return {
    http_server: { address: '127.0.0.1', port: 0 },
    node: { name: 'test' },
    log: { level: 'silent' },
    client: {
      token: tokenConfig(overrides.token),
      subscription_token: { ...tokenConfig(subscriptionToken), enabled },
      allow_anonymous_connect_without_token: false,
      insecure: false,
      allowed_origins: [],
      ping_interval: 25_000,
      pong_timeout: 8_000,
      expired_close_delay: 25_000,
      stale_close_delay: 10_000,
      channel_limit: 128,
      queue_max_size: 1024 * 1024,
      connection_limit: 0,
      user_connection_limit: 0,
      command_rate_limit: 100,
      history_max_publication_limit: 300,
      recovery_max_publication_limit: 300,
      presence_update_interval: 25_000,
      subscribe_to_user_personal_channel: {
        enabled: true,
        personal_channel_namespace: overrides.personalChannelNamespace ?? '',
      },
    },
    channel: {
      max_length: overrides.maxLength ?? 255,
      without_namespace: channelOptions(overrides.withoutNamespace),
      namespaces: overrides.namespaces ?? [],
    },
    http_api: { key: 'k', insecure: false, idempotency_ttl: 300_000, max_body_size: 1024 * 1024 },
    websocket: { message_size_limit: 65_536 },
    shutdown: { timeout: 10_000 },
  };
}
