/**
 * The subscriber of standalone Redis and Sentinel: SUBSCRIBE on one dedicated connection. On every
 * reconnect (`ready` after the first), it subscribes the whole set again and then reports
 * `resubscribed`; a PING probe notices a server that stopped answering without closing the socket.
 */
import type { Redis } from 'ioredis';
import { closeClient, reconnectOnTimeout, startHealthCheck } from './connections.js';
import { Subscriber } from './subscriber.js';

export class PlainSubscriber extends Subscriber {
  /** Bumped on every reconnect, so only the latest resubscription reports. */
  private generation = 0;
  private readonly stopHealthCheck: () => void;

  constructor(
    private readonly client: Redis,
    control: string,
    private readonly commandTimeoutMs: number,
    healthCheckIntervalMs: number,
    onError: (error: unknown) => void,
  ) {
    super(control, onError);
    client.on('message', (topic: string, message: string) => this.dispatch(topic, message));
    client.on('ready', () => {
      void this.resubscribe();
    });
    this.stopHealthCheck = startHealthCheck(client, healthCheckIntervalMs);
  }

  connected(): boolean {
    return this.client.status === 'ready';
  }

  protected send(command: 'subscribe' | 'unsubscribe', topics: readonly string[]): Promise<unknown> {
    return command === 'subscribe' ? this.client.subscribe(...topics) : this.client.unsubscribe(...topics);
  }

  protected failed(error: unknown): void {
    reconnectOnTimeout(this.client, error);
  }

  protected async quit(): Promise<void> {
    this.stopHealthCheck();
    await closeClient(this.client, this.commandTimeoutMs);
  }

  private async resubscribe(): Promise<void> {
    if (this.sink === undefined || this.closed) return;
    const generation = ++this.generation;
    try {
      await this.sendChunked('subscribe', this.allTopics());
    } catch (error) {
      // The connection dropped again; its next `ready` retries.
      this.onError(error);
      return;
    }
    if (generation === this.generation && !this.closed) this.sink.resubscribed();
  }
}
