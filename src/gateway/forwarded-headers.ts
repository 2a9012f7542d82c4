/**
 * The headers a connection keeps for its proxies: only the names some proxy forwards (`http_headers`,
 * or `emulated_headers` for the connect command's `headers`), lower-case, copied out of the request
 * so the request itself is not retained. Nothing is kept when no proxy forwards headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ProxyEndpointConfig } from '../config/proxy-schema.js';
import type { Config } from '../config/types.js';

/**
 * The transport-level headers of the HTTP request that opened a connection, as the proxies may
 * forward them: only the names some proxy's `http_headers` lists are kept (lower-case).
 */
export type ForwardedHeaders = Readonly<Record<string, string>>;

export function pickHeaders(
  headers: IncomingHttpHeaders | Readonly<Record<string, unknown>> | undefined,
  names: ReadonlySet<string> | undefined,
): ForwardedHeaders | undefined {
  if (headers === undefined || names === undefined || names.size === 0) return undefined;
  let picked: Record<string, string> | undefined;
  for (const key of Object.keys(headers)) {
    const name = key.toLowerCase();
    if (!names.has(name)) continue;
    const value = headers[key];
    const text = Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : undefined;
    if (text === undefined) continue;
    picked ??= Object.create(null) as Record<string, string>;
    picked[name] = text;
  }
  return picked;
}

/** Every proxy endpoint the config defines (enabled or referenced or not: a superset is harmless). */
function endpoints(config: Config): ProxyEndpointConfig[] {
  const list: ProxyEndpointConfig[] = [...config.proxies, config.rpc.proxy];
  const { connect, refresh } = config.client.proxy;
  if (connect.enabled) list.push(connect);
  if (refresh.enabled) list.push(refresh);
  const channel = config.channel.proxy;
  list.push(channel.subscribe, channel.publish, channel.sub_refresh);
  return list.filter((p) => p.endpoint !== '');
}

/** The header names some proxy forwards from `list` (`http_headers` or `emulated_headers`); undefined: none. */
export function forwardedNames(
  config: Config,
  list: 'http_headers' | 'emulated_headers',
): ReadonlySet<string> | undefined {
  const names = new Set<string>();
  for (const p of endpoints(config)) for (const name of p[list]) names.add(name.toLowerCase());
  return names.size === 0 ? undefined : names;
}
