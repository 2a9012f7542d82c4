/**
 * Metrics of the proxy calls, by protocol, kind and proxy name: calls by result (`ok`, `error` and
 * `disconnect` from the backend, `unavailable` when it could not be asked), their duration, and the
 * calls in flight. Registered in the node's registry, so they are served at `/metrics`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX as P } from '../metrics/names.js';
import type { ProxyKind } from './caller.js';

export type ProxyCallResult = 'ok' | 'error' | 'disconnect' | 'unavailable' | 'bad_result';

/** Seconds: 0.25 ms to 10 s. */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ProxyMetrics {
  private readonly calls: Counter<'protocol' | 'kind' | 'proxy' | 'result'>;
  private readonly duration: Histogram<'protocol' | 'kind' | 'proxy'>;
  private readonly inflight: Gauge<'protocol' | 'kind' | 'proxy'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['protocol', 'kind', 'proxy'] as const;
    this.calls = new Counter({
      name: `${P}proxy_calls_total`,
      help: 'Proxy calls to the backend by protocol, kind, proxy name and result.',
      labelNames: [...labelNames, 'result'],
      registers,
    });
    this.duration = new Histogram({
      name: `${P}proxy_call_duration_seconds`,
      help: 'Duration of proxy calls to the backend, seconds.',
      labelNames,
      buckets: BUCKETS,
      registers,
    });
    this.inflight = new Gauge({
      name: `${P}proxy_calls_inflight`,
      help: 'Proxy calls waiting for the backend.',
      labelNames,
      registers,
    });
  }

  started(protocol: string, kind: ProxyKind, proxy: string): () => void {
    const labels = { protocol, kind, proxy };
    this.inflight.inc(labels);
    const end = this.duration.startTimer(labels);
    return () => {
      this.inflight.dec(labels);
      end();
    };
  }

  counted(protocol: string, kind: ProxyKind, proxy: string, result: ProxyCallResult): void {
    this.calls.inc({ protocol, kind, proxy, result });
  }
}
