/**
 * The backend's proxies, built from the config into the gateway's `ProxyPort`: one endpoint (and
 * caller) per configured endpoint — `client.proxy.connect` and `refresh`, the "default"
 * `channel.proxy.*` and `rpc.proxy` endpoints, and the named `proxies` — each kind resolving a
 * namespace's proxy name to its endpoint.
 */
import type { ProxyEndpointConfig } from '../config/proxy-schema.js';
import type { Config } from '../config/types.js';
import type { ProxyPort } from '../gateway/proxy-port.js';
import type { Logger } from '../log.js';
import { ErrorCode } from '../protocol/codes.js';
import { CommandError } from '../protocol/errors.js';
import type { Tracing } from '../tracing/tracing.js';
import { createProxyCaller } from './create-caller.js';
import { ProxyEndpoint } from './endpoint.js';
import { proxyConnect } from './handlers/connect.js';
import { proxyPublish } from './handlers/publish.js';
import { proxyRefresh, proxySubRefresh } from './handlers/refresh.js';
import { proxyRpc, rpcProxyName } from './handlers/rpc.js';
import { proxySubscribe } from './handlers/subscribe.js';
import type { ProxyMetrics } from './proxy-metrics.js';

type DefaultKind = 'subscribe' | 'publish' | 'sub_refresh' | 'rpc';

/** The proxies of a node: the port the gateway calls, and a way to close their connections. */
export interface Proxies {
  readonly port: ProxyPort;
  /** Endpoints by proxy name, for the user events dispatcher (`user_events.*_proxy_name`). */
  named(name: string): ProxyEndpoint | undefined;
  close(): Promise<void>;
}

/** Whether the config has any proxy at all; without one the node gets no port. */
export function hasProxies(config: Config): boolean {
  const { connect, refresh } = config.client.proxy;
  const channel = config.channel.proxy;
  return (
    connect.enabled ||
    refresh.enabled ||
    config.proxies.length > 0 ||
    config.rpc.proxy.endpoint !== '' ||
    channel.subscribe.endpoint !== '' ||
    channel.publish.endpoint !== '' ||
    channel.sub_refresh.endpoint !== ''
  );
}

/** @param tracing a span per proxy call, when the node traces (`opentelemetry.enabled`). */
export function createProxies(
  config: Config,
  log: Logger,
  metrics: ProxyMetrics | undefined,
  tracing?: Tracing,
): Proxies {
  const all: ProxyEndpoint[] = [];
  const make = (name: string, endpoint: ProxyEndpointConfig): ProxyEndpoint => {
    const caller = createProxyCaller(endpoint, name);
    const made = new ProxyEndpoint(name, endpoint, caller, log, metrics, tracing);
    all.push(made);
    return made;
  };
  const { connect, refresh } = config.client.proxy;
  const connectEndpoint = connect.enabled ? make('connect', connect) : undefined;
  const refreshEndpoint = refresh.enabled ? make('refresh', refresh) : undefined;
  const named = new Map<string, ProxyEndpoint>();
  for (const p of config.proxies) named.set(p.name, make(p.name, p));
  const defaults = new Map<DefaultKind, ProxyEndpoint>();
  const channel = config.channel.proxy;
  const defaultConfigs: Array<[DefaultKind, ProxyEndpointConfig]> = [
    ['subscribe', channel.subscribe],
    ['publish', channel.publish],
    ['sub_refresh', channel.sub_refresh],
    ['rpc', config.rpc.proxy],
  ];
  for (const [kind, endpoint] of defaultConfigs) {
    if (endpoint.endpoint !== '') defaults.set(kind, make('default', endpoint));
  }
  const resolve = (kind: DefaultKind, name: string): ProxyEndpoint => {
    const endpoint = name === 'default' ? defaults.get(kind) : named.get(name);
    // The config check refuses unknown names at start; this is a last line.
    if (endpoint === undefined)
      throw new CommandError(ErrorCode.NotAvailable, `not available: no ${kind} proxy "${name}"`);
    return endpoint;
  };
  const rpc = config.rpc;
  const port: ProxyPort = {
    ...(connectEndpoint === undefined
      ? {}
      : { connect: (session, request) => proxyConnect(connectEndpoint, session, request) }),
    ...(refreshEndpoint === undefined
      ? {}
      : { refresh: (session) => proxyRefresh(refreshEndpoint, session) }),
    subscribe: (name, session, ch, token, data) =>
      proxySubscribe(resolve('subscribe', name), session, ch, token, data),
    publish: (name, session, ch, data) => proxyPublish(resolve('publish', name), session, ch, data),
    subRefresh: (name, session, ch) => proxySubRefresh(resolve('sub_refresh', name), session, ch),
    hasRpc: rpc.without_namespace.proxy_enabled || rpc.namespaces.some((ns) => ns.proxy_enabled),
    rpc: (session, method, data) =>
      proxyRpc(resolve('rpc', rpcProxyName(rpc, method)), session, method, data),
  };
  return {
    port,
    named: (name) => named.get(name),
    async close() {
      await Promise.all(all.map((endpoint) => endpoint.close()));
    },
  };
}
