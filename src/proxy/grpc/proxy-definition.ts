/**
 * The gRPC proxy definition as the caller uses it: `proxy.proto` (Centrifugo's `CentrifugoProxy`
 * plus Switchboard's `SwitchboardUserEvents`) loaded once at run time with `@grpc/proto-loader`,
 * and the method each {@link ProxyKind} calls.
 *
 * The .proto is read from the source tree in every kind of run: next to this module under `tsx`
 * (`src/proxy/grpc/`), and from the package root's `src/proxy/grpc/` when running the build
 * (`dist/proxy/grpc/` is three folders below the root too, and tsc does not copy .proto files) —
 * the way the admin UI finds `src/admin/web/` (see src/admin/static-files.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSync, type MethodDefinition, type Options, type ServiceDefinition } from '@grpc/proto-loader';
import type { ProxyKind } from '../caller.js';

/** The proto package both services live in. */
export const PROXY_PACKAGE = 'centrifugal.centrifugo.proxy';
export const CENTRIFUGO_SERVICE = `${PROXY_PACKAGE}.CentrifugoProxy`;
export const USER_EVENTS_SERVICE = `${PROXY_PACKAGE}.SwitchboardUserEvents`;

/**
 * How messages become objects: Centrifugo's field names (`expire_at`), 64-bit integers as numbers,
 * bytes as `Buffer`s, and only the fields the backend sent (no defaults, no empty maps or lists).
 */
export const PROXY_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** Where `proxy.proto` may be: beside this module (`tsx`), or in the source tree (the build). */
const PROTO_CANDIDATES = [
  new URL('./proxy.proto', import.meta.url),
  new URL('../../../src/proxy/grpc/proxy.proto', import.meta.url),
];

/** The path of `proxy.proto`; throws when neither place has it (a broken install). */
export function proxyProtoPath(): string {
  for (const url of PROTO_CANDIDATES) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `gRPC proxy: proxy.proto not found (looked in ${PROTO_CANDIDATES.map((u) => fileURLToPath(u)).join(', ')})`,
  );
}

/** The service and method name each kind calls. */
const METHODS: Record<ProxyKind, readonly [service: string, method: string]> = {
  connect: [CENTRIFUGO_SERVICE, 'Connect'],
  refresh: [CENTRIFUGO_SERVICE, 'Refresh'],
  subscribe: [CENTRIFUGO_SERVICE, 'Subscribe'],
  publish: [CENTRIFUGO_SERVICE, 'Publish'],
  rpc: [CENTRIFUGO_SERVICE, 'RPC'],
  sub_refresh: [CENTRIFUGO_SERVICE, 'SubRefresh'],
  user_online: [USER_EVENTS_SERVICE, 'UserOnline'],
  user_offline: [USER_EVENTS_SERVICE, 'UserOffline'],
};

/** A proxy method: its path (`/package.Service/Method`), request encoder and response decoder. */
export type ProxyMethod = MethodDefinition<object, object>;

let services: ReadonlyMap<string, ServiceDefinition> | undefined;

/** Both services, parsed on first use and kept. */
export function proxyServices(): ReadonlyMap<string, ServiceDefinition> {
  if (services === undefined) {
    const definition = loadSync(proxyProtoPath(), PROXY_LOADER_OPTIONS);
    const found = new Map<string, ServiceDefinition>();
    for (const name of [CENTRIFUGO_SERVICE, USER_EVENTS_SERVICE]) {
      const service = definition[name];
      // Message and enum definitions carry a `format`; services are maps of methods.
      if (service === undefined || 'format' in service) {
        throw new Error(`gRPC proxy: proxy.proto defines no service ${name}`);
      }
      found.set(name, service as ServiceDefinition);
    }
    services = found;
  }
  return services;
}

/** The method `kind` calls. */
export function proxyMethod(kind: ProxyKind): ProxyMethod {
  const [service, method] = METHODS[kind];
  const definition = proxyServices().get(service)?.[method];
  if (definition === undefined) throw new Error(`gRPC proxy: proxy.proto defines no ${service}/${method}`);
  return definition;
}
