/**
 * The {@link Tracing} of an enabled node on the OpenTelemetry SDK: a `NodeTracerProvider` with the
 * node's resource (`service.name` switchboard unless `OTEL_SERVICE_NAME` says otherwise, its version,
 * the node's name as `service.instance.id`), the W3C trace context propagator, and a batching
 * OTLP/HTTP exporter (or the exporter given, span by span). Loaded only when tracing is enabled.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config/types.js';
import { VERSION } from '../version.js';
import type { TracingOptions } from './start.js';
import type { TraceCarrier, TraceKind, Tracing } from './tracing.js';

const KINDS: Record<TraceKind, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  consumer: SpanKind.CONSUMER,
};

const getter: TextMapGetter<TraceCarrier> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier, key) => carrier(key.toLowerCase()),
};

export function createOtelTracing(config: Config['opentelemetry'], options: TracingOptions): Tracing {
  // `service.instance.id` is a semantic-conventions incubating name, spelled out here.
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: 'switchboard',
    [ATTR_SERVICE_VERSION]: VERSION,
    'service.instance.id': options.nodeName,
  }).merge(detectResources({ detectors: [envDetector] }));
  const processor =
    options.exporter === undefined
      ? new BatchSpanProcessor(new OTLPTraceExporter())
      : new SimpleSpanProcessor(options.exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  const tracer = provider.getTracer('switchboard', VERSION);
  const propagator = new W3CTraceContextPropagator();
  const parentOf = (carrier: TraceCarrier | undefined): Context =>
    carrier === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, carrier, getter);
  return {
    api: config.api,
    consuming: config.consuming,
    start: (name: string, kind: TraceKind, attributes: Attributes, parent?: TraceCarrier): Span =>
      tracer.startSpan(name, { kind: KINDS[kind], attributes }, parentOf(parent)),
    inject(span, headers) {
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, {
        set: (carrier, key, value) => {
          carrier[key] = value;
        },
      });
    },
    end(span, error) {
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end();
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
