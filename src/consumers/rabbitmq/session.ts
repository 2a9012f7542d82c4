/**
 * One connection's life: connect, set up the queue and the dead-letter destination, consume with
 * `prefetch_count`, and apply the deliveries ONE AT A TIME in delivery order, acknowledging each only
 * once it applied (or once its dead letter was confirmed). Acks therefore go out in order.
 *
 * Backpressure: while the engine is unreachable the same message is retried and nothing is acked, so
 * once `prefetch_count` messages are unacknowledged the broker sends no more; the connection stays
 * open (amqplib answers heartbeats). The session ends when the connection or channel closes, the
 * broker cancels the consumer (queue deleted) or the consumer stops; whatever was not acknowledged
 * is then redelivered by the broker, in order, to whichever consumer is active.
 */
import { type ChannelModel, type ConfirmChannel, type ConsumeMessage, connect } from 'amqplib';
import type { ConsumerContext } from '../consumer.js';
import { PoisonMessageError } from '../message.js';
import { applyWithRetry, pause } from '../retry.js';
import { DeadLetterPublisher } from './dead-letter.js';
import { decode, identityOf } from './decode.js';
import { deadLetterTarget, setUpTopology } from './topology.js';

const CONNECT_TIMEOUT_MS = 5_000;
const HEARTBEAT_SECONDS = 10;
const LAG_INTERVAL_MS = 5_000;
const DEAD_LETTER_FIRST_DELAY_MS = 200;
const DEAD_LETTER_MAX_DELAY_MS = 5_000;

/** How a session reports a problem it can still wait out (a dead letter the broker does not take). */
export type ProblemReporter = (problem: string | undefined) => void;

/** The URL with the heartbeat amqplib should negotiate, unless the URL asks for one. */
export function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(HEARTBEAT_SECONDS));
  return parsed.toString();
}

/** A broker error as one line, without the URL (it may carry a password). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/amqps?:\/\/[^\s"']*/g, '<url>');
}

/** Connects and starts consuming; rejects (connection closed) when any step fails. */
export async function openSession(
  ctx: ConsumerContext,
  consumerTag: string,
  report: ProblemReporter,
): Promise<Session> {
  const config = ctx.config.rabbitmq;
  const model = await connect(withHeartbeat(config.url), {
    timeout: CONNECT_TIMEOUT_MS,
    clientProperties: { connection_name: `switchboard ${ctx.nodeId} consumer ${ctx.config.name}` },
  });
  // An unhandled 'error' would throw; the 'close' that follows ends the session.
  model.on('error', () => {});
  try {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => {});
    await setUpTopology(channel, config);
    await channel.prefetch(config.prefetch_count);
    const session = new Session(ctx, model, channel, report);
    await channel.consume(config.queue, (message) => session.deliver(message), { noAck: false, consumerTag });
    session.startLag();
    return session;
  } catch (error) {
    await model.close().catch(() => {});
    throw error;
  }
}

export class Session {
  /** Resolves with why the session ended, once the worker took its last step. */
  readonly ended: Promise<string>;
  private readonly buffer: ConsumeMessage[] = [];
  private readonly abort = new AbortController();
  private readonly deadLetters: DeadLetterPublisher;
  private reason: string | undefined;
  private wake: (() => void) | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly ctx: ConsumerContext,
    private readonly model: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly report: ProblemReporter,
  ) {
    const config = ctx.config.rabbitmq;
    this.deadLetters = new DeadLetterPublisher(
      channel,
      deadLetterTarget(config),
      ctx.config.name,
      config.queue,
    );
    model.on('close', (error?: Error) =>
      this.end(error === undefined ? 'connection closed' : `connection closed: ${describeError(error)}`),
    );
    model.on('blocked', (why: string) => report(`the broker blocks the connection: ${why}`));
    model.on('unblocked', () => report(undefined));
    channel.on('close', () => this.end('channel closed'));
    this.ended = this.work().then(() => this.reason ?? 'ended');
  }

  /** The consume callback: a delivery, or null when the broker cancelled the consumer. */
  deliver(message: ConsumeMessage | null): void {
    if (message === null) {
      this.end(`the broker cancelled the consumer (queue "${this.ctx.config.rabbitmq.queue}" deleted?)`);
      return;
    }
    this.buffer.push(message);
    this.wake?.();
  }

  /** Reports the queue's ready messages as the lag, now and every few seconds. */
  startLag(): void {
    const check = (): void => {
      this.channel
        .checkQueue(this.ctx.config.rabbitmq.queue)
        .then((queue) => this.ctx.metrics.lag(this.ctx.config.name, queue.messageCount))
        .catch(() => {});
    };
    check();
    this.lagTimer = setInterval(check, LAG_INTERVAL_MS);
    this.lagTimer.unref();
  }

  /** Ends the session: the worker stops after its current step, nothing more is acknowledged. */
  end(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    clearInterval(this.lagTimer);
    this.abort.abort();
    this.wake?.();
  }

  /**
   * Closes the connection (the broker requeues what is unacknowledged); at most `timeoutMs`.
   * Idempotent: a second close while the first waits for the broker would never be answered.
   */
  close(reason: string, timeoutMs: number): Promise<void> {
    this.end(reason);
    this.closing ??= this.closeConnection(timeoutMs);
    return this.closing;
  }

  private async closeConnection(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.model.close().catch(() => {}), timeout]);
    clearTimeout(timer);
    // A broker that does not answer the close: drop the socket, which requeues just the same.
    const stream = (this.model.connection as unknown as { stream?: { destroy(): void } }).stream;
    stream?.destroy();
  }

  private async work(): Promise<void> {
    try {
      while (this.reason === undefined) {
        const message = this.buffer.shift();
        if (message === undefined) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        await this.handle(message);
      }
    } catch (error) {
      this.ctx.log.error({ err: error }, 'rabbitmq consumer failed');
      this.end(`consumer failed: ${describeError(error)}`);
    }
  }

  private async handle(message: ConsumeMessage): Promise<void> {
    const { name } = this.ctx.config;
    const identity = identityOf(message, this.ctx.config.rabbitmq.queue);
    let consumed: ReturnType<typeof decode>;
    try {
      consumed = decode(message, this.ctx.config.rabbitmq);
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      this.ctx.metrics.deadLettered(name);
      this.ctx.log.warn({ consumer: name, id: identity, reason: error.message }, 'message dead-lettered');
      await this.deadLetter(message, error.message);
      return;
    }
    const outcome = await applyWithRetry(this.ctx.applier, consumed, identity, {
      consumer: name,
      metrics: this.ctx.metrics,
      log: this.ctx.log,
      signal: this.abort.signal,
    });
    // Stopped, or the channel is gone: the broker redelivers the message, the idempotency key dedupes it.
    if (outcome.status === 'stopped' || this.reason !== undefined) return;
    if (outcome.status === 'dead') await this.deadLetter(message, outcome.reason);
    else this.ack(message);
  }

  /** Publishes the dead letter until the broker takes it (logged and reported meanwhile), then acks. */
  private async deadLetter(message: ConsumeMessage, reason: string): Promise<void> {
    let delay = DEAD_LETTER_FIRST_DELAY_MS;
    let failing = false;
    while (this.reason === undefined) {
      try {
        await this.untilEnded(this.deadLetters.publish(message, reason));
        if (this.reason !== undefined) return;
        if (failing) this.report(undefined);
        this.ack(message);
        return;
      } catch (error) {
        if (this.reason !== undefined) return;
        const problem = describeError(error);
        this.ctx.log.error(
          { consumer: this.ctx.config.name, reason: problem },
          'dead letter not taken, retrying',
        );
        this.report(problem);
        failing = true;
        await pause(delay, this.abort.signal);
        delay = Math.min(delay * 2, DEAD_LETTER_MAX_DELAY_MS);
      }
    }
  }

  private ack(message: ConsumeMessage): void {
    try {
      this.channel.ack(message);
    } catch (error) {
      this.end(`ack failed: ${describeError(error)}`);
    }
  }

  /** `operation`, or an early settle once the session ends (a confirm that will never come). */
  private untilEnded(operation: Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      const ended = (): void => resolve();
      this.abort.signal.addEventListener('abort', ended, { once: true });
      operation.then(resolve, reject).finally(() => this.abort.signal.removeEventListener('abort', ended));
    });
  }
}
