/**
 * Start-up checks that every proxy a namespace, an RPC namespace or `user_events` turns on exists:
 * "default" is the `channel.proxy.<kind>` (or `rpc.proxy`) endpoint, which must then be set; any
 * other name must be in `proxies`. Centrifugo refuses such a config at start too ("proxy not found").
 */
import type { z } from 'zod';
import type {
  ChannelProxyConfig,
  NamedProxyConfig,
  ProxyEndpointConfig,
  RpcConfig,
  UserEventsConfig,
} from './proxy-schema.js';

interface FileView {
  channel: {
    without_namespace: Record<string, unknown>;
    namespaces: Array<Record<string, unknown> & { name: string }>;
    proxy: ChannelProxyConfig;
  };
  rpc: RpcConfig;
  proxies: NamedProxyConfig[];
  user_events: UserEventsConfig;
}

const CHANNEL_KINDS = ['subscribe', 'publish', 'sub_refresh'] as const;

export function checkProxyReferences(file: FileView, ctx: z.RefinementCtx): void {
  const names = new Set(file.proxies.map((p) => p.name));
  const refer = (
    path: (string | number)[],
    name: string,
    fallback: ProxyEndpointConfig,
    fallbackKey: string,
  ): void => {
    if (name === 'default') {
      if (fallback.endpoint === '') {
        ctx.addIssue({
          code: 'custom',
          path,
          input: name,
          message: `the "default" proxy is used, so expected an endpoint in ${fallbackKey} (or a name from proxies)`,
        });
      }
    } else if (!names.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path,
        input: name,
        message: `expected the name of one of proxies, got "${name}"`,
      });
    }
  };
  const scopes: Array<[(string | number)[], Record<string, unknown>]> = [
    [['channel', 'without_namespace'], file.channel.without_namespace],
    ...file.channel.namespaces.map((ns, i): [(string | number)[], Record<string, unknown>] => [
      ['channel', 'namespaces', i],
      ns,
    ]),
  ];
  for (const [path, options] of scopes) {
    for (const kind of CHANNEL_KINDS) {
      if (options[`${kind}_proxy_enabled`] !== true) continue;
      refer(
        [...path, `${kind}_proxy_name`],
        String(options[`${kind}_proxy_name`]),
        file.channel.proxy[kind],
        `channel.proxy.${kind}.endpoint`,
      );
    }
  }
  const rpc = file.rpc;
  if (rpc.without_namespace.proxy_enabled) {
    refer(
      ['rpc', 'without_namespace', 'proxy_name'],
      rpc.without_namespace.proxy_name,
      rpc.proxy,
      'rpc.proxy.endpoint',
    );
  }
  rpc.namespaces.forEach((ns, i) => {
    if (ns.proxy_enabled)
      refer(['rpc', 'namespaces', i, 'proxy_name'], ns.proxy_name, rpc.proxy, 'rpc.proxy.endpoint');
  });
  if (rpc.namespace_boundary === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['rpc', 'namespace_boundary'],
      input: '',
      message: 'expected a non-empty boundary like ":"',
    });
  }
  const events = file.user_events;
  if (events.enabled) {
    for (const key of ['online_proxy_name', 'offline_proxy_name'] as const) {
      if (!names.has(events[key])) {
        ctx.addIssue({
          code: 'custom',
          path: ['user_events', key],
          input: events[key],
          message: `user_events is enabled, so expected the name of one of proxies, got "${events[key]}"`,
        });
      }
    }
  }
}
