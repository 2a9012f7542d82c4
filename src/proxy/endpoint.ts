/**
 * One configured proxy endpoint as the handlers use it: its config, its caller (shared by every
 * kind that names the same endpoint), and `invoke`, which makes one call with metrics and logs and
 * turns the backend's `error` or `disconnect` into the client's error reply or disconnect.
 * Nothing logged holds a header, a cookie or a body.
 */
import type { ProxyEndpointConfig } from '../config/proxy-schema.js';
import type { Session } from '../gateway/session.js';
import type { Logger } from '../log.js';
import { backendDisconnect, backendError } from '../protocol/errors.js';
import type { Tracing } from '../tracing/tracing.js';
import { type ProxyCaller, type ProxyKind, type ProxyRequest, ProxyUnavailableError } from './caller.js';
import type { ProxyCallResult, ProxyMetrics } from './proxy-metrics.js';
import { forwardedHeaders } from './request.js';

export class ProxyEndpoint {
  constructor(
    /** The proxy's name: "connect", "refresh", "default" or a `proxies` entry. */
    readonly name: string,
    readonly config: ProxyEndpointConfig,
    private readonly caller: ProxyCaller,
    private readonly log: Logger,
    private readonly metrics: ProxyMetrics | undefined,
    /** A client span per call, its `traceparent` sent with the call (HTTP header, gRPC metadata). */
    private readonly tracing?: Tracing,
  ) {}

  get protocol(): 'http' | 'grpc' {
    return this.caller.protocol;
  }

  /**
   * Calls the backend for `kind`; resolves with its result (undefined when it gave none). Throws the
   * backend's error as a `CommandError` and its disconnect as a `DisconnectError`, or
   * {@link ProxyUnavailableError} (logged and counted) when the backend could not be asked.
   */
  async invoke(
    kind: ProxyKind,
    session: Session,
    request: ProxyRequest,
  ): Promise<Record<string, unknown> | undefined> {
    const done = this.metrics?.started(this.caller.protocol, kind, this.name);
    let result: ProxyCallResult = 'ok';
    const headers = forwardedHeaders(session, this.config);
    const span = this.tracing?.start(`proxy ${kind}`, 'client', {
      'switchboard.proxy.kind': kind,
      'switchboard.proxy.name': this.name,
      'switchboard.proxy.protocol': this.caller.protocol,
    });
    // Set after the forwarded headers, so a client's own traceparent never stands in for the node's.
    if (span !== undefined) this.tracing?.inject(span, headers);
    try {
      const response = await this.caller.call(kind, request, headers);
      if (response.disconnect !== undefined && response.disconnect.code > 0) {
        result = 'disconnect';
        throw backendDisconnect(response.disconnect.code, response.disconnect.reason ?? '');
      }
      if (response.error !== undefined && response.error.code > 0) {
        result = 'error';
        const e = response.error;
        throw backendError(e.code, e.message ?? '', e.temporary === true);
      }
      return response.result;
    } catch (error) {
      if (error instanceof ProxyUnavailableError) {
        result = 'unavailable';
        this.log.warn(
          {
            proxy: this.name,
            kind,
            protocol: this.caller.protocol,
            reason: error.reason,
            status: error.status,
            client: session.id,
            user: session.user,
          },
          `proxy call failed: ${error.message}`,
        );
      }
      throw error;
    } finally {
      done?.();
      this.metrics?.counted(this.caller.protocol, kind, this.name, result);
      if (span !== undefined) {
        span.setAttribute('switchboard.proxy.result', result);
        this.tracing?.end(span, result === 'ok' ? undefined : `proxy ${result}`);
      }
    }
  }

  /** Counts and logs a result the backend sent that cannot be used. */
  badResult(kind: ProxyKind, session: Session, error: Error): void {
    this.metrics?.counted(this.caller.protocol, kind, this.name, 'bad_result');
    this.log.warn(
      { proxy: this.name, kind, client: session.id, user: session.user },
      `proxy result refused: ${error.message}`,
    );
  }

  close(): Promise<void> {
    return this.caller.close();
  }
}
