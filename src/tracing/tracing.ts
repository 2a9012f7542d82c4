/**
 * What the rest of the node sees of OpenTelemetry tracing (`opentelemetry.*`, as in Centrifugo v6):
 * a {@link Tracing} while `opentelemetry.enabled`, nothing otherwise — callers hold `undefined` and
 * make no call at all, so a node without tracing pays nothing. The SDK behind it is loaded only when
 * tracing is enabled (`otel-tracing.ts`).
 */
import type { Attributes, Span } from '@opentelemetry/api';

export type { Span } from '@opentelemetry/api';

/** The role of a span: `server` (a server API request), `client` (a proxy call), `consumer` (a queue message). */
export type TraceKind = 'server' | 'client' | 'consumer';

/** Reads a W3C trace header (`traceparent`, `tracestate`) of what arrived; names are lower-case. */
export type TraceCarrier = (name: string) => string | undefined;

/** The node's tracer, with the W3C trace context propagation of its requests and calls. */
export interface Tracing {
  /** Whether server API calls get spans (`opentelemetry.api`). */
  readonly api: boolean;
  /** Whether consumed messages get spans (`opentelemetry.consuming`). */
  readonly consuming: boolean;
  /**
   * Starts a span; it continues the trace `parent` carries (a valid `traceparent`), else starts a
   * new trace. A malformed `traceparent` is ignored, as the W3C recommendation says.
   */
  start(name: string, kind: TraceKind, attributes: Attributes, parent?: TraceCarrier): Span;
  /** Writes `traceparent` (and `tracestate`) of `span` into outgoing headers or gRPC metadata. */
  inject(span: Span, headers: Record<string, string>): void;
  /** Ends `span`, marked as an error with `error` when given. */
  end(span: Span, error?: string): void;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and stops. */
  shutdown(): Promise<void>;
}

/** The carrier of an HTTP request's headers (Node's `IncomingHttpHeaders`, names lower-case). */
export function headerCarrier(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): TraceCarrier {
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}
