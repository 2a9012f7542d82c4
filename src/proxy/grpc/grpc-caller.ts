/**
 * A proxy endpoint called over gRPC, as Centrifugo calls its gRPC proxies: unary calls of
 * `CentrifugoProxy` (and Switchboard's `SwitchboardUserEvents` for user events) defined by
 * `proxy.proto`, with the endpoint's `timeout` as each call's deadline.
 *
 * One channel per endpoint, made at construction and connected on the first call; calls share it
 * (HTTP/2 multiplexes them) and it reconnects by itself after the backend restarts. Requests are
 * encoded from the handlers' objects as they are (`Buffer`s for bytes fields, numbers for 64-bit
 * ones); responses come back as `response.ts` describes.
 */
import { Client, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { ProxyEndpointConfig } from '../../config/proxy-schema.js';
import type { ProxyCaller, ProxyHeaders, ProxyKind, ProxyRequest, ProxyResponse } from '../caller.js';
import { ProxyUnavailableError } from '../caller.js';
import { channelCredentials, channelOptions, grpcTarget } from './channel.js';
import { callCancelled, callFailed } from './errors.js';
import { callMetadata, type EndpointMetadata } from './metadata.js';
import { proxyMethod } from './proxy-definition.js';
import { toProxyResponse } from './response.js';

export class GrpcProxyCaller implements ProxyCaller {
  readonly protocol = 'grpc' as const;
  readonly #name: string;
  readonly #target: string;
  readonly #timeoutMs: number;
  readonly #endpoint: EndpointMetadata;
  readonly #client: Client;

  /**
   * @param config the endpoint (`endpoint`, `timeout` in ms, `grpc.*`)
   * @param name names the endpoint in error messages (the proxy's name or config key)
   * @throws when the endpoint has no host or `grpc.tls.ca_pem_file` cannot be read
   */
  constructor(config: ProxyEndpointConfig, name: string) {
    this.#name = name;
    this.#target = grpcTarget(config.endpoint);
    this.#timeoutMs = config.timeout;
    const { credentials_key: key, credentials_value: value, static_metadata } = config.grpc;
    this.#endpoint = {
      staticMetadata: static_metadata,
      ...(key === '' ? {} : { credentials: [key, value] as const }),
    };
    proxyMethod('connect'); // Loads proxy.proto now: a missing file fails at start, not at a call.
    this.#client = new Client(this.#target, channelCredentials(config), channelOptions(config));
  }

  call(
    kind: ProxyKind,
    request: ProxyRequest,
    headers: ProxyHeaders,
    signal?: AbortSignal,
  ): Promise<ProxyResponse> {
    if (signal?.aborted === true) return Promise.reject(callCancelled());
    const method = proxyMethod(kind);
    const where = `gRPC proxy "${this.#name}" (${this.#target}) ${method.path.slice(method.path.lastIndexOf('/') + 1)}`;
    const { metadata, values } = callMetadata(this.#endpoint, headers);
    return new Promise<ProxyResponse>((resolve, reject) => {
      let call: ClientUnaryCall | undefined;
      let cancelled = false;
      const onAbort = (): void => {
        cancelled = true;
        call?.cancel();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (error: ServiceError | null, value?: object): void => {
        signal?.removeEventListener('abort', onAbort);
        const response = error === null ? toProxyResponse(value) : undefined;
        if (cancelled) reject(callCancelled());
        else if (error !== null) reject(callFailed(where, error, values));
        else if (response === undefined)
          reject(new ProxyUnavailableError(`${where}: no response`, 'response'));
        else resolve(response);
      };
      try {
        call = this.#client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          metadata,
          { deadline: Date.now() + this.#timeoutMs },
          done,
        );
      } catch (error) {
        // grpc-js throws here only once the channel is closed.
        signal?.removeEventListener('abort', onAbort);
        const message = error instanceof Error ? error.message : String(error);
        reject(new ProxyUnavailableError(`${where}: ${message}`, 'connection'));
      }
    });
  }

  close(): Promise<void> {
    this.#client.close();
    return Promise.resolve();
  }
}
