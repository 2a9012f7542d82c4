/**
 * The node's pub/sub subscription: one dedicated connection (in Redis Cluster, one per master
 * serving a subscribed channel) that holds the channels this node is interested in plus the
 * control channel. It knows the full set, so after a reconnect it subscribes everything again by
 * itself and then reports `resubscribed`.
 */

/** Where received messages go. */
export interface SubscriberSink {
  /** A message of `channel`, or of the control channel when `channel` is undefined. */
  message(channel: string | undefined, message: string): void;
  /** Delivery was interrupted and every channel is subscribed again. */
  resubscribed(): void;
}

/** Channels per SUBSCRIBE command: large sets go in a few big commands, not one huge one. */
const CHUNK = 5000;

/** Subscription bookkeeping shared by the plain and the sharded subscriber. */
export abstract class Subscriber {
  /** Subscribed channels by pub/sub name. */
  protected readonly channels = new Map<string, string>();
  protected sink: SubscriberSink | undefined;
  protected closed = false;

  constructor(
    /** The control channel's pub/sub name. */
    protected readonly control: string,
    protected readonly onError: (error: unknown) => void,
  ) {}

  /** Sends one (S)SUBSCRIBE or (S)UNSUBSCRIBE for these names. */
  protected abstract send(command: 'subscribe' | 'unsubscribe', names: readonly string[]): Promise<unknown>;

  /** Quits the connection(s). */
  protected abstract quit(): Promise<void>;

  /** Whether the subscription's connection(s) are up right now. */
  abstract connected(): boolean;

  /** Sees every failed command first, so a timed-out connection can be replaced. */
  protected abstract failed(error: unknown): void;

  /** Subscribes the control channel; messages flow to `sink` from now on. */
  async start(sink: SubscriberSink): Promise<void> {
    this.sink = sink;
    try {
      await this.send('subscribe', [this.control]);
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  /**
   * Subscribes `[topic, channel]` pairs not subscribed yet. When the command fails, the new ones
   * are forgotten again, so a retry sends them instead of taking them for done.
   */
  async subscribe(entries: readonly (readonly [string, string])[]): Promise<void> {
    const added: string[] = [];
    for (const [topic, channel] of entries) {
      if (this.channels.has(topic)) continue;
      this.channels.set(topic, channel);
      added.push(topic);
    }
    if (added.length === 0) return;
    try {
      await this.sendChunked('subscribe', added);
    } catch (error) {
      for (const topic of added) this.channels.delete(topic);
      this.failed(error);
      throw error;
    }
  }

  /**
   * Unsubscribes; the topics are forgotten even when the command fails, as a connection that is
   * down holds no subscription and the next resubscription leaves them out.
   */
  async unsubscribe(topics: readonly string[]): Promise<void> {
    const removed = topics.filter((topic) => this.channels.delete(topic));
    if (removed.length === 0) return;
    try {
      await this.sendChunked('unsubscribe', removed);
    } catch (error) {
      this.failed(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    await this.quit();
  }

  /** Routes a received message; messages of channels unsubscribed meanwhile are dropped. */
  protected dispatch(topic: string, message: string): void {
    const sink = this.sink;
    if (sink === undefined || this.closed) return;
    if (topic === this.control) {
      sink.message(undefined, message);
      return;
    }
    const channel = this.channels.get(topic);
    if (channel !== undefined) sink.message(channel, message);
  }

  /** Every name this node should be subscribed to, the control channel first. */
  protected allTopics(): string[] {
    return [this.control, ...this.channels.keys()];
  }

  protected async sendChunked(
    command: 'subscribe' | 'unsubscribe',
    topics: readonly string[],
  ): Promise<void> {
    if (topics.length <= CHUNK) {
      await this.send(command, topics);
      return;
    }
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < topics.length; i += CHUNK) sends.push(this.send(command, topics.slice(i, i + CHUNK)));
    await Promise.all(sends);
  }
}
