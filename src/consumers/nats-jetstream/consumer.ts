/**
 * The `nats_jetstream` consumer: every node pulls from one durable pull consumer, one message at a
 * time (a pull of one, the next pull only once that message is acknowledged or dead-lettered), so
 * the cluster shares the stream's messages and a node takes nothing new while it retries one.
 * JetStream's `max_ack_pending` bounds how many are out across all nodes: with 1 (the default)
 * exactly one message is in flight cluster-wide, which keeps the stream's order.
 *
 * Connecting is retried forever with a capped backoff; once connected the client reconnects by
 * itself, and the consumer and dead-letter stream are set up again after a pull fails (the broker
 * may have lost them). `problem()` says why while disconnected or not set up.
 */
import {
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type Consumer as JsConsumer,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  deadLetterSubject,
  type NatsJetStreamConsumerConfig,
} from '../../config/consumers/nats-jetstream.js';
import type { Consumer, ConsumerContext } from '../consumer.js';
import { pause } from '../retry.js';
import { connectionOptions } from './connection.js';
import { handleMessage } from './handle.js';
import { ensureConsumer, ensureDeadLetterStream } from './setup.js';

/** How long one pull request waits on the server for a message. */
const PULL_EXPIRES_MS = 5_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;
const LAG_INTERVAL_MS = 5_000;
/** A session that lasted this long resets the reconnect backoff. */
const SESSION_HEALTHY_MS = 30_000;
/** How long `stop()` waits for the message in hand before closing the connection anyway. */
const STOP_GRACE_MS = 1_500;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class NatsJetStreamConsumer implements Consumer {
  readonly name: string;
  private readonly config: NatsJetStreamConsumerConfig;
  private readonly abort = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private nc: NatsConnection | undefined;
  private pulling: ConsumerMessages | undefined;
  private disconnected: string | undefined = 'not connected yet';
  private setupProblem: string | undefined;

  constructor(private readonly ctx: ConsumerContext) {
    this.name = ctx.config.name;
    this.config = ctx.config.nats_jetstream;
  }

  async start(): Promise<void> {
    this.running = this.run().catch((error: unknown) => {
      this.ctx.log.error({ consumer: this.name, err: error }, 'consumer stopped by an unexpected error');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.pulling?.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((r) => (timer = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    await this.nc?.close().catch(() => {});
    this.ctx.metrics.up(this.name, false);
  }

  problem(): string | undefined {
    return this.disconnected ?? this.setupProblem;
  }

  private report(): void {
    this.ctx.metrics.up(this.name, this.problem() === undefined);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let delay = FIRST_DELAY_MS;
    while (!signal.aborted) {
      let nc: NatsConnection;
      try {
        nc = await connect(connectionOptions(this.config, `switchboard ${this.ctx.nodeId} ${this.name}`));
      } catch (error) {
        this.disconnected = `cannot connect to NATS at ${this.config.url}: ${message(error)}`;
        this.report();
        await pause(delay, signal);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        continue;
      }
      this.nc = nc;
      this.disconnected = undefined;
      this.watch(nc);
      const began = Date.now();
      let ended = `connection to NATS at ${this.config.url} closed`;
      try {
        await this.session(nc, signal);
      } catch (error) {
        ended = `NATS session failed: ${message(error)}`;
        if (!signal.aborted) this.ctx.log.warn({ consumer: this.name, err: message(error) }, 'session ended');
      }
      await nc.close().catch(() => {});
      if (signal.aborted) break;
      this.disconnected = ended;
      this.report();
      // A session that ends soon after it began (JetStream not enabled, …) backs off further.
      delay = Date.now() - began > SESSION_HEALTHY_MS ? FIRST_DELAY_MS : Math.min(delay * 2, MAX_DELAY_MS);
      await pause(delay, signal);
    }
  }

  /** Keeps `problem()` in step with the connection. */
  private watch(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.disconnected = `disconnected from NATS at ${this.config.url}`;
          this.ctx.log.warn({ consumer: this.name }, 'disconnected from NATS');
        } else if (s.type === 'reconnect') {
          this.disconnected = undefined;
          this.ctx.log.info({ consumer: this.name }, 'reconnected to NATS');
        }
        this.report();
      }
    })().catch(() => {});
  }

  /** Sets up, then pulls and handles one message at a time until stopped or the connection closes. */
  private async session(nc: NatsConnection, signal: AbortSignal): Promise<void> {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const js = jetstream(nc, { timeout: 5_000 });
    let consumer = await this.prepare(jsm, js, signal);
    const lag = setInterval(() => {
      consumer
        ?.info()
        .then((i) => this.ctx.metrics.lag(this.name, i.num_pending))
        .catch(() => {});
    }, LAG_INTERVAL_MS);
    const h = {
      consumer: this.name,
      config: this.config,
      applier: this.ctx.applier,
      metrics: this.ctx.metrics,
      log: this.ctx.log,
      js,
      deadLetterSubject: deadLetterSubject(this.config),
      signal,
    };
    let delay = FIRST_DELAY_MS;
    try {
      while (!signal.aborted && !nc.isClosed()) {
        if (consumer === undefined) {
          await pause(delay, signal);
          delay = Math.min(delay * 2, MAX_DELAY_MS);
          consumer = await this.prepare(jsm, js, signal);
          continue;
        }
        let msg: JsMsg | null;
        try {
          msg = await this.pullOne(consumer);
          delay = FIRST_DELAY_MS;
        } catch (error) {
          if (signal.aborted) break;
          this.ctx.log.debug({ consumer: this.name, err: message(error) }, 'pull failed');
          // The consumer or its stream may be gone (the broker lost its data): set up again.
          consumer = undefined;
          continue;
        }
        if (msg === null) continue;
        this.ctx.metrics.lag(this.name, msg.info.pending);
        if ((await handleMessage(msg, h)) === 'stopped') {
          // Hand it back at once instead of after the ack wait; it was not acknowledged.
          msg.nak();
          await nc.flush().catch(() => {});
        }
      }
    } finally {
      clearInterval(lag);
    }
  }

  /** The durable consumer, set up; undefined (with `problem()` saying why) when that failed. */
  private async prepare(
    jsm: JetStreamManager,
    js: JetStreamClient,
    signal: AbortSignal,
  ): Promise<JsConsumer | undefined> {
    if (signal.aborted) return undefined;
    try {
      await ensureConsumer(jsm, this.config);
      await ensureDeadLetterStream(jsm, this.config);
      const consumer = await js.consumers.get(this.config.stream_name, this.config.durable_consumer_name);
      if (this.setupProblem !== undefined) this.ctx.log.info({ consumer: this.name }, 'consumer set up');
      this.setupProblem = undefined;
      this.report();
      return consumer;
    } catch (error) {
      const why = `cannot set up JetStream consumer "${this.config.durable_consumer_name}" on stream "${this.config.stream_name}": ${message(error)}`;
      if (this.setupProblem !== why) this.ctx.log.warn({ consumer: this.name }, why);
      this.setupProblem = why;
      this.report();
      return undefined;
    }
  }

  /** One message, or null when the pull expired with none. */
  private async pullOne(consumer: JsConsumer): Promise<JsMsg | null> {
    const messages = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
    this.pulling = messages;
    try {
      for await (const msg of messages) return msg;
      return null;
    } finally {
      this.pulling = undefined;
    }
  }
}
