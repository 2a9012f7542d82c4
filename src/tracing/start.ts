/**
 * Sets up a node's tracing from `opentelemetry.*`: nothing when `enabled` is false (no provider,
 * no SDK loaded); otherwise a tracer provider of the node's own (not registered globally, so several
 * nodes and an embedding application each keep theirs) exporting over OTLP/HTTP, configured by the
 * standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`…).
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config/types.js';
import type { Tracing } from './tracing.js';

export interface TracingOptions {
  /** The node's name: the spans' `service.instance.id`. */
  readonly nodeName: string;
  /**
   * Where spans go instead of OTLP/HTTP (an in-process exporter): each span is exported as it ends.
   * The OTLP exporter gets them in batches.
   */
  readonly exporter?: SpanExporter;
}

/** The node's tracing, or undefined when `opentelemetry.enabled` is false. */
export async function startTracing(
  config: Config['opentelemetry'],
  options: TracingOptions,
): Promise<Tracing | undefined> {
  if (!config.enabled) return undefined;
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing(config, options);
}
