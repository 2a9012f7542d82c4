/**
 * Proxy endpoints in the config file, in Centrifugo v6's shape: `client.proxy.connect` and
 * `client.proxy.refresh` (each with `enabled`), the default `channel.proxy.*` and `rpc.proxy`
 * endpoints (referenced as "default"), and the named `proxies` list referenced by namespaces and
 * RPC namespaces. An endpoint starting with `http://` or `https://` is called with JSON over HTTP,
 * any other (`grpc://host:port` or `host:port`) over gRPC.
 */
import { z } from 'zod';
import { bool, count, describeValue, duration, expected, section, text, textList } from './fields.js';

/** A mapping of strings (static headers, static gRPC metadata). */
function stringMap() {
  return z
    .record(z.string(), z.string({ error: expected('a string') }), {
      error: expected('a mapping of strings'),
    })
    .default(() => ({}));
}

/** One `status_to_code_transforms` entry: an HTTP status from the backend becomes an error or a disconnect. */
const statusTransformSchema = z
  .strictObject({
    status_code: z
      .int({ error: expected('an HTTP status code') })
      .min(100, { error: expected('an HTTP status code') })
      .max(599, { error: expected('an HTTP status code') }),
    to_error: section({ code: count(0), message: text(), temporary: bool(false) }),
    to_disconnect: section({ code: count(0), reason: text() }),
  })
  .superRefine((t, ctx) => {
    if (t.to_error.code > 0 === t.to_disconnect.code > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['to_error', 'code'],
        input: t.to_error.code,
        message: 'expected exactly one of to_error.code or to_disconnect.code above zero',
      });
    }
  });

/** Fields of every proxy endpoint. */
export const proxyEndpointShape = {
  endpoint: text(),
  timeout: duration(1_000, { positive: true }),
  /** Transport-level headers of the client's HTTP request (WebSocket upgrade, stream request) to forward. */
  http_headers: textList(),
  /** gRPC metadata keys to forward (we accept no gRPC clients, so nothing matches; kept for config compatibility). */
  grpc_metadata: textList(),
  /** Client-supplied emulated headers (the connect command's `headers`) to forward; untrusted by nature. */
  emulated_headers: textList(),
  binary_encoding: bool(false),
  include_connection_meta: bool(false),
  http: section({
    static_headers: stringMap(),
    status_to_code_transforms: z
      .array(statusTransformSchema, { error: expected('a list of status transforms') })
      .default(() => []),
  }),
  grpc: section({
    tls: section({ enabled: bool(false), ca_pem_file: text(), server_name: text() }),
    credentials_key: text(),
    credentials_value: text(),
    compression: bool(false),
    static_metadata: stringMap(),
  }),
};

/** An endpoint URL check shared by every proxy section: an enabled proxy needs one. */
function checkEndpoint(endpoint: string, ctx: z.RefinementCtx, required: boolean): void {
  if (endpoint === '') {
    if (required) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        input: endpoint,
        message:
          'expected an endpoint like "http://localhost:3000/centrifugo/connect" or "grpc://localhost:10001"',
      });
    }
    return;
  }
  if (/^https?:\/\//.test(endpoint)) {
    try {
      new URL(endpoint);
    } catch {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        input: endpoint,
        message: `expected a valid URL, got ${describeValue(endpoint)}`,
      });
    }
    return;
  }
  const target = endpoint.replace(/^grpc:\/\//, '');
  if (!/^[^\s/]+:\d+$/.test(target)) {
    ctx.addIssue({
      code: 'custom',
      path: ['endpoint'],
      input: endpoint,
      message: `expected an http(s):// URL or a gRPC address like "grpc://localhost:10001", got ${describeValue(endpoint)}`,
    });
  }
}

/** A proxy endpoint that may be left unset (`channel.proxy.subscribe`, `rpc.proxy`): checked only when set. */
export const proxyEndpointSchema = section(proxyEndpointShape).superRefine((p, ctx) =>
  checkEndpoint(p.endpoint, ctx, false),
);

/** `client.proxy.connect` / `client.proxy.refresh`: an endpoint is required once enabled. */
export const switchedProxySchema = section({ enabled: bool(false), ...proxyEndpointShape }).superRefine(
  (p, ctx) => checkEndpoint(p.endpoint, ctx, p.enabled),
);

/** One entry of the top-level `proxies` list. */
const namedProxySchema = z
  .strictObject(
    {
      name: z.string({ error: expected('a proxy name (a string)') }).regex(/^[A-Za-z0-9_.-]+$/, {
        error: (i) => `expected a name of letters, digits, "_", "." or "-", got ${describeValue(i.input)}`,
      }),
      ...proxyEndpointShape,
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? expected('a proxy (a mapping with "name" and "endpoint")')(issue)
          : undefined,
    },
  )
  .superRefine((p, ctx) => checkEndpoint(p.endpoint, ctx, true));

/** The named proxies: unique names, "default" reserved for the `channel.proxy` / `rpc.proxy` endpoints. */
export const proxiesSchema = z
  .array(namedProxySchema, { error: (i) => `expected a list of proxies, got ${describeValue(i.input)}` })
  .default(() => [])
  .superRefine((proxies, ctx) => {
    const seen = new Set<string>();
    proxies.forEach((p, index) => {
      if (p.name === 'default') {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          input: p.name,
          message: '"default" names the channel.proxy / rpc.proxy endpoints; choose another name',
        });
      } else if (seen.has(p.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          input: p.name,
          message: `expected a unique name, got "${p.name}" again`,
        });
      }
      seen.add(p.name);
    });
  });

/** Per-namespace proxy switches (`subscribe_proxy_enabled`, `subscribe_proxy_name`, …), as Centrifugo v6 names them. */
export const namespaceProxyShape = {
  subscribe_proxy_enabled: bool(false),
  subscribe_proxy_name: text('default'),
  publish_proxy_enabled: bool(false),
  publish_proxy_name: text('default'),
  sub_refresh_proxy_enabled: bool(false),
  sub_refresh_proxy_name: text('default'),
};

/** `rpc.without_namespace` and each `rpc.namespaces` entry. */
const rpcOptionsShape = { proxy_enabled: bool(false), proxy_name: text('default') };

export const rpcSchema = section({
  proxy: proxyEndpointSchema,
  without_namespace: section(rpcOptionsShape),
  namespaces: z
    .array(
      z.strictObject({
        name: z.string({ error: expected('an RPC namespace name') }).regex(/^[A-Za-z0-9_.-]+$/, {
          error: (i) => `expected a name of letters, digits, "_", "." or "-", got ${describeValue(i.input)}`,
        }),
        ...rpcOptionsShape,
      }),
      { error: (i) => `expected a list of RPC namespaces, got ${describeValue(i.input)}` },
    )
    .default(() => []),
  namespace_boundary: text(':'),
  ping: section({ enabled: bool(false), method: text('ping') }),
});

/** `channel.proxy`: the default ("default") endpoints of the channel proxy kinds. */
export const channelProxySchema = section({
  subscribe: proxyEndpointSchema,
  publish: proxyEndpointSchema,
  sub_refresh: proxyEndpointSchema,
});

/** `client.proxy`. */
export const clientProxySchema = section({
  connect: switchedProxySchema,
  refresh: switchedProxySchema,
});

/**
 * `user_events`: the backend is told when a user comes online anywhere in the cluster and when
 * their last connection leaves. Both proxy names refer to the `proxies` list.
 */
export const userEventsSchema = section({
  enabled: bool(false),
  online_proxy_name: text(),
  offline_proxy_name: text(),
  offline_debounce: duration(5_000),
  /** A node's lease on its users: a node silent this long is taken as dead and its users leave. */
  node_lease_ttl: duration(10_000, { positive: true }),
  /** How often each node sweeps dead nodes' leases and due offline events. */
  sweep_interval: duration(1_000, { positive: true }),
  /** Longest wait between two attempts to deliver an event the backend refused or did not answer. */
  retry_max_interval: duration(10_000, { positive: true }),
});

/** One proxy endpoint, resolved (timeout in ms). */
export type ProxyEndpointConfig = z.output<typeof proxyEndpointSchema>;
/** `client.proxy.connect` / `client.proxy.refresh`, resolved. */
export type SwitchedProxyConfig = z.output<typeof switchedProxySchema>;
/** An entry of `proxies`, resolved. */
export type NamedProxyConfig = z.output<typeof proxiesSchema>[number];
export type RpcConfig = z.output<typeof rpcSchema>;
export type ChannelProxyConfig = z.output<typeof channelProxySchema>;
export type ClientProxyConfig = z.output<typeof clientProxySchema>;
export type UserEventsConfig = z.output<typeof userEventsSchema>;
