/**
 * The RabbitMQ consumer: one session after another, forever. A session that cannot open (broker down,
 * queue missing, refused credentials) or that ends (connection lost, broker restarting) is followed by
 * a new one after a capped exponential backoff; meanwhile `problem()` says why (readiness answers 503
 * with it) and `consumer_up` is 0. A broker outage is never fatal to the node.
 *
 * Every node running the consumer is a consumer on the same queue: with `x-single-active-consumer`
 * the broker delivers to one of them at a time and hands over to the next when it goes; without it
 * they compete and the broker spreads messages over them (order is then not kept).
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, ConsumerContext } from '../consumer.js';
import { pause } from '../retry.js';
import { describeError, openSession, type Session } from './session.js';

const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 5_000;
/** stop() must be prompt: the broker gets this long to confirm the close. */
const CLOSE_TIMEOUT_MS = 1_000;
const STOP_WAIT_MS = 1_500;

export class RabbitmqConsumer implements Consumer {
  readonly name: string;
  private readonly stopping = new AbortController();
  private session: Session | undefined;
  private loop: Promise<void> | undefined;
  /** Why no session is consuming (cannot connect, …); undefined while one is. */
  private connectionProblem: string | undefined = 'not connected yet';
  /** A problem a consuming session reports (a dead letter the broker does not take). */
  private sessionProblem: string | undefined;

  constructor(private readonly ctx: ConsumerContext) {
    this.name = ctx.config.name;
  }

  async start(): Promise<void> {
    this.ctx.metrics.up(this.name, false);
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const session = this.session;
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_WAIT_MS);
    });
    await Promise.race([
      Promise.all([session?.close('stopping', CLOSE_TIMEOUT_MS), this.loop]).then(() => {}),
      cap,
    ]);
    clearTimeout(timer);
    this.ctx.metrics.up(this.name, false);
  }

  problem(): string | undefined {
    return this.connectionProblem ?? this.sessionProblem;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    const tag = `switchboard-${this.ctx.nodeId}-${randomUUID().slice(0, 8)}`;
    let backoff = FIRST_BACKOFF_MS;
    let failures = 0;
    while (!signal.aborted) {
      let reason: string;
      try {
        const session = await openSession(this.ctx, tag, (problem) => {
          this.sessionProblem = problem;
        });
        if (signal.aborted) {
          await session.close('stopping', CLOSE_TIMEOUT_MS);
          break;
        }
        this.session = session;
        this.connectionProblem = undefined;
        this.ctx.metrics.up(this.name, true);
        this.ctx.log.info({ queue: this.ctx.config.rabbitmq.queue }, 'rabbitmq consumer connected');
        backoff = FIRST_BACKOFF_MS;
        failures = 0;
        reason = await session.ended;
        // The socket may still be open (a consumer cancelled, a worker failure): close it.
        await session.close(reason, CLOSE_TIMEOUT_MS);
        this.session = undefined;
      } catch (error) {
        reason = describeError(error);
      }
      this.sessionProblem = undefined;
      this.ctx.metrics.up(this.name, false);
      if (signal.aborted) break;
      this.connectionProblem = reason;
      failures++;
      // A broker down for long logs once in a while, not every attempt.
      if (failures === 1 || failures % 20 === 0) {
        this.ctx.log.warn(
          { reason, attempt: failures, retryInMs: backoff },
          'rabbitmq consumer disconnected',
        );
      }
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    this.connectionProblem = 'stopped';
  }
}
