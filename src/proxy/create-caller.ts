/**
 * The caller for one endpoint: `http://` and `https://` endpoints are called with JSON over HTTP,
 * any other (`grpc://host:port`, `host:port`) over gRPC, as Centrifugo decides.
 */
import type { ProxyEndpointConfig } from '../config/proxy-schema.js';
import type { ProxyCaller } from './caller.js';
import { GrpcProxyCaller } from './grpc/grpc-caller.js';
import { HttpProxyCaller } from './http/http-caller.js';

export function isHttpEndpoint(endpoint: string): boolean {
  return endpoint.startsWith('http://') || endpoint.startsWith('https://');
}

export function createProxyCaller(config: ProxyEndpointConfig, name: string): ProxyCaller {
  return isHttpEndpoint(config.endpoint) ? new HttpProxyCaller(config) : new GrpcProxyCaller(config, name);
}
