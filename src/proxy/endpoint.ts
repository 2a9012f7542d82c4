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
    try {
      const response = await this.caller.call(kind, request, forwardedHeaders(session, this.config));
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
