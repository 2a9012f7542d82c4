/**
 * Metrics of cluster-wide user events (docs/user-events.md), in the node's registry: events this
 * node recorded (online events of its users, offline events its sweeps found due), delivered and
 * failed delivery attempts (on the node holding the dispatcher lock), and the events not delivered
 * yet as that node last read them.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { UserEventsMetricsPort } from '../proxy/user-events.js';
import { METRIC_PREFIX as P } from './names.js';

type EventType = 'online' | 'offline';

export class UserEventsMetrics implements UserEventsMetricsPort {
  private readonly emittedTotal: Counter<'type'>;
  private readonly deliveredTotal: Counter<'type'>;
  private readonly failedTotal: Counter<'type'>;
  private readonly pendingGauge: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.emittedTotal = new Counter({
      name: `${P}user_events_emitted_total`,
      help: 'User online/offline events this node recorded in the engine, by type.',
      labelNames: ['type'],
      registers,
    });
    this.deliveredTotal = new Counter({
      name: `${P}user_events_delivered_total`,
      help: 'User events this node delivered to the backend (acknowledged), by type.',
      labelNames: ['type'],
      registers,
    });
    this.failedTotal = new Counter({
      name: `${P}user_events_failed_total`,
      help: 'Failed attempts to deliver a user event (each is retried), by type.',
      labelNames: ['type'],
      registers,
    });
    this.pendingGauge = new Gauge({
      name: `${P}user_events_pending`,
      help: 'User events recorded and not delivered yet, as the delivering node last read them (0 elsewhere).',
      registers,
    });
  }

  emitted(type: EventType, count: number): void {
    this.emittedTotal.labels(type).inc(count);
  }

  delivered(type: EventType): void {
    this.deliveredTotal.labels(type).inc();
  }

  failed(type: EventType): void {
    this.failedTotal.labels(type).inc();
  }

  pending(count: number): void {
    this.pendingGauge.set(count);
  }
}
