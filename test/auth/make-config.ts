/** Resolved configurations for auth tests: the documented defaults with a few keys changed. */
import { defaultConfig } from '../../src/config/index.js';
import type { ChannelOptions, Config, NamespaceConfig, TokenConfig } from '../../src/config/types.js';

/** Channel options with the documented defaults, overridden by `overrides`. */
export function channelOptions(overrides: Partial<ChannelOptions> = {}): ChannelOptions {
  return { ...defaultConfig().channel.without_namespace, ...overrides };
}

/** A namespace with default options, overridden by `overrides`. */
export function namespace(name: string, overrides: Partial<ChannelOptions> = {}): NamespaceConfig {
  return { name, ...channelOptions(overrides) };
}

/** A token configuration with no key, overridden by `overrides`. */
export function tokenConfig(overrides: Partial<TokenConfig> = {}): TokenConfig {
  return { ...defaultConfig().client.token, ...overrides };
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
  const config = defaultConfig();
  config.client.token = tokenConfig(overrides.token);
  config.client.subscription_token = { ...tokenConfig(subscriptionToken), enabled };
  config.client.subscribe_to_user_personal_channel.personal_channel_namespace =
    overrides.personalChannelNamespace ?? '';
  config.channel.max_length = overrides.maxLength ?? 255;
  config.channel.without_namespace = channelOptions(overrides.withoutNamespace);
  config.channel.namespaces = overrides.namespaces ?? [];
  return config;
}
