/**
 * Records what a broker delivers to its node, for the conformance suites to inspect and wait on.
 */

import type { Broker, BrokerEvent } from '../../src/engine/types.js';
import type { Publication } from '../../src/protocol/types.js';
import { waitFor } from '../harness/index.js';

export type PublicationEvent = Extract<BrokerEvent, { type: 'publication' }>;

/** Every event one node received, in arrival order. */
export class EventRecorder {
  readonly events: BrokerEvent[] = [];

  /** Starts `broker` with a handler that records into a new recorder. */
  static async start(broker: Broker): Promise<EventRecorder> {
    const recorder = new EventRecorder();
    await broker.start((event) => {
      recorder.events.push(event);
    });
    return recorder;
  }

  /** Events of `channel` (publications, joins, leaves), in arrival order. */
  inChannel(channel: string): BrokerEvent[] {
    return this.events.filter((e) => 'channel' in e && e.channel === channel);
  }

  publications(channel: string): PublicationEvent[] {
    return this.events.filter(
      (e): e is PublicationEvent => e.type === 'publication' && e.channel === channel,
    );
  }

  /** Publication data of `channel`, in arrival order. */
  data(channel: string): string[] {
    return this.publications(channel).map((e) => e.pub.data);
  }

  /** Control messages with this data (other tests on a shared backend may send their own). */
  controls(data: string): BrokerEvent[] {
    return this.events.filter((e) => e.type === 'control' && e.data === data);
  }

  /** Waits until `count` events of `channel` arrived and returns them. */
  async waitForChannel(channel: string, count: number, timeoutMs?: number): Promise<BrokerEvent[]> {
    await waitFor(() => this.inChannel(channel).length >= count, `${count} events in ${channel}`, timeoutMs);
    return this.inChannel(channel);
  }

  /** Waits until a control message with this data arrived. */
  async waitForControl(data: string): Promise<void> {
    await waitFor(() => this.controls(data).length > 0, `control message ${data}`);
  }

  /** Waits until `count` publications of `channel` arrived and returns them. */
  async waitForPublications(channel: string, count: number, timeoutMs?: number): Promise<PublicationEvent[]> {
    await waitFor(
      () => this.publications(channel).length >= count,
      `${count} publications in ${channel}`,
      timeoutMs,
    );
    return this.publications(channel);
  }
}

/** A publication with JSON data `{"n":n}`, as raw JSON text. */
export function numbered(n: number, extra?: Partial<Publication>): Publication {
  return { data: `{"n":${n}}`, ...extra };
}
