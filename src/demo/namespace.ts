/**
 * The `chat` namespace the demo page uses, and turning the demo on for a development node. Only the
 * development start (generated secrets) calls {@link enableDevDemo}; a production config is never
 * changed behind its author's back.
 */
import { resolveConfig } from '../config/load.js';
import type { Config, NamespaceConfig } from '../config/types.js';

/** The demo's rooms are channels of this namespace: `chat:lobby`, `chat:random`, … */
export const DEMO_NAMESPACE = 'chat';

/** The `chat` namespace as it would be written in a config file. */
export const DEMO_CHAT_NAMESPACE = {
  name: DEMO_NAMESPACE,
  presence: true,
  join_leave: true,
  force_push_join_leave: true,
  allow_publish_for_subscriber: true,
  allow_presence_for_subscriber: true,
  allow_history_for_subscriber: true,
  history_size: 100,
  history_ttl: '1h',
  force_recovery: true,
} as const;

/** The demo `chat` namespace with every option resolved. */
export function demoChatNamespace(): NamespaceConfig {
  return resolveConfig({ channel: { namespaces: [DEMO_CHAT_NAMESPACE] } }).channel.namespaces[0]!;
}

/** Turns the demo on (in place) and adds the `chat` namespace when none is configured. */
export function enableDevDemo(config: Config): { addedNamespace: boolean } {
  config.demo.enabled = true;
  if (config.channel.namespaces.some((ns) => ns.name === DEMO_NAMESPACE)) return { addedNamespace: false };
  config.channel.namespaces.push(demoChatNamespace());
  return { addedNamespace: true };
}

/** What `serve` prints about the demo: where it is, or why it cannot work. Empty when it is off. */
export function demoBanner(config: Config, baseUrl: string): string[] {
  if (!config.demo.enabled) return [];
  const lines = ['', `Chat demo (development only, demo.enabled): open ${baseUrl}/ in two browser windows`];
  if (!config.channel.namespaces.some((ns) => ns.name === DEMO_NAMESPACE)) {
    lines.push(`  warning: no "${DEMO_NAMESPACE}" namespace is configured, so its rooms will refuse to open`);
  }
  return lines;
}
