/**
 * The gRPC channel of one proxy endpoint, from its config: the target (`grpc://host:port` or
 * `host:port`, as Centrifugo takes them), TLS or plaintext credentials, and the channel options.
 *
 * Options beyond Centrifugo's (it dials with grpc-go's defaults):
 * - keepalive: while calls run, a ping a minute at most (sent with the next call when the minute
 *   ends between calls), to be answered within 5 s; none on an idle channel. A connection that died
 *   silently (a backend host gone without a FIN) is dropped within seconds of the next call after
 *   that minute, instead of calls timing out until TCP gives up. grpc-go servers' default policy
 *   (5 minutes between pings) forgives pings once the server has sent data since the last one, as
 *   it has after answering a call; and grpc-js slows its pings down if a server still complains.
 * - reconnect backoff capped at 5 s (grpc-js: 120 s): a call while the backend is down fails at
 *   once, and after a long outage the channel tries again soon enough to recover within seconds of
 *   the backend's return.
 */
import { readFileSync } from 'node:fs';
import {
  type ChannelCredentials,
  type ChannelOptions,
  compressionAlgorithms,
  credentials,
} from '@grpc/grpc-js';
import type { ProxyEndpointConfig } from '../../config/proxy-schema.js';
import { VERSION } from '../../version.js';

/** `grpc://host:port` → `host:port` (the URL's host, as Centrifugo's getGrpcHost); anything else as it is. */
export function grpcTarget(endpoint: string): string {
  if (!endpoint.startsWith('grpc://')) return endpoint;
  const host = new URL(endpoint).host;
  if (host === '') throw new Error(`gRPC proxy: no host in endpoint ${JSON.stringify(endpoint)}`);
  return host;
}

/** Plaintext, or TLS trusting `ca_pem_file` (Node's default roots when unset). */
export function channelCredentials(config: ProxyEndpointConfig): ChannelCredentials {
  const tls = config.grpc.tls;
  if (!tls.enabled) return credentials.createInsecure();
  return credentials.createSsl(tls.ca_pem_file === '' ? null : readFileSync(tls.ca_pem_file));
}

/** Channel options: keepalive, backoff, user agent, TLS name, compression. */
export function channelOptions(config: ProxyEndpointConfig): ChannelOptions {
  const options: ChannelOptions = {
    'grpc.primary_user_agent': `switchboard/${VERSION}`,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.initial_reconnect_backoff_ms': 1_000,
    'grpc.max_reconnect_backoff_ms': 5_000,
    'grpc.enable_channelz': 0,
  };
  if (config.grpc.tls.enabled && config.grpc.tls.server_name !== '') {
    options['grpc.ssl_target_name_override'] = config.grpc.tls.server_name;
  }
  if (config.grpc.compression) {
    options['grpc.default_compression_algorithm'] = compressionAlgorithms.gzip;
  }
  return options;
}
