/**
 * One proxy endpoint as the proxy handlers call it, whatever carries the call (JSON over HTTP,
 * Protobuf over gRPC). Requests and responses have Centrifugo's field names (its `proxy.proto`):
 * a field holding a JSON value or bytes (`data`, `info`, `meta`) is a `Buffer` in a request — its
 * bytes are JSON text unless the field is a `b64*` string instead — and arrives in a response as
 * whatever the carrier gives: a parsed JSON value over HTTP, bytes (`Buffer`) over gRPC.
 */

/** The calls a backend answers. `user_online`/`user_offline` are Switchboard's own (see docs/user-events.md). */
export type ProxyKind =
  | 'connect'
  | 'refresh'
  | 'subscribe'
  | 'publish'
  | 'sub_refresh'
  | 'rpc'
  | 'user_online'
  | 'user_offline';

/** A request body: plain JSON values, and `Buffer`s for JSON-text or bytes fields. */
export type ProxyRequest = Record<string, unknown>;

/** `{code, message, temporary}` from the backend: becomes the client's error reply. */
export interface ProxyErrorBody {
  code: number;
  message?: string;
  temporary?: boolean;
}

/** `{code, reason}` from the backend: the client's connection is closed with it. */
export interface ProxyDisconnectBody {
  code: number;
  reason?: string;
}

/** A backend's answer: a result, an error or a disconnect (Centrifugo's `*Response` messages). */
export interface ProxyResponse {
  result?: Record<string, unknown>;
  error?: ProxyErrorBody;
  disconnect?: ProxyDisconnectBody;
}

/** Headers (HTTP) or metadata (gRPC) of one call, names lower-case. */
export type ProxyHeaders = Record<string, string>;

/**
 * The backend could not be asked or did not answer usably: refused, reset, timed out, a status
 * other than 200 without a configured transform, a body that is not a response. The handlers
 * turn it into a temporary error (or, for refreshes, a short extension), never a terminal code.
 * Its message never holds headers, cookies or bodies.
 */
export class ProxyUnavailableError extends Error {
  override readonly name = 'ProxyUnavailableError';
  constructor(
    message: string,
    /** What went wrong, for metrics: `timeout`, `connection`, `status`, `response`. */
    readonly reason: 'timeout' | 'connection' | 'status' | 'response',
    /** The HTTP status, when `reason` is `status`. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** One configured endpoint. */
export interface ProxyCaller {
  /** `http` or `grpc`, for metrics and logs. */
  readonly protocol: 'http' | 'grpc';
  /**
   * Calls the endpoint for `kind`. Resolves with the backend's response; rejects with
   * {@link ProxyUnavailableError} only. `signal` aborts the call (the client went away).
   */
  call(
    kind: ProxyKind,
    request: ProxyRequest,
    headers: ProxyHeaders,
    signal?: AbortSignal,
  ): Promise<ProxyResponse>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
