/**
 * The `redis_stream` consumer: one worker per configured stream (see stream-worker.ts), a command
 * client shared by them (leases, claims, acknowledgements, dead letters), one blocking reader
 * client per stream, the membership heartbeat that sizes this node's fair share of the streams,
 * and the lag reported from `XINFO GROUPS`. Readiness: a problem while the command client is not
 * connected to the queue's Redis. `stop()` returns within about 1.5 s, leaving what is not
 * acknowledged pending for the next holder.
 */
import type { Redis } from 'ioredis';
import { DEAD_LETTER_SUFFIX, type RedisStreamConsumerConfig } from '../../config/consumers/redis-stream.js';
import type { Consumer, ConsumerContext } from '../consumer.js';
import { createQueueClient, displayAddress } from './connection.js';
import { entryMessage } from './entry.js';
import { heartbeat, leaseKey, leave, RENEWALS_PER_LEASE, StreamLease } from './lease.js';
import { Semaphore } from './semaphore.js';
import { StreamOps } from './stream-ops.js';
import { StreamWorker, type WorkerShared } from './stream-worker.js';

const LAG_INTERVAL_MS = 5_000;
/** How long `stop()` waits for the workers to leave their batch before disconnecting. */
const STOP_WAIT_MS = 1_500;

export class RedisStreamConsumer implements Consumer {
  readonly name: string;
  private readonly config: RedisStreamConsumerConfig;
  private client: Redis | undefined;
  private readonly readers: Redis[] = [];
  private lastError: string | undefined;
  private readonly stopping = new AbortController();
  private runs: Promise<void>[] = [];
  private timers: NodeJS.Timeout[] = [];
  /** Nodes running this consumer, from the last heartbeat; undefined before the first. */
  private live: number | undefined;
  /** Streams this node holds, in the order taken. */
  private readonly held = new Set<string>();

  constructor(private readonly ctx: ConsumerContext) {
    this.name = ctx.config.name;
    this.config = ctx.config.redis_stream;
  }

  async start(): Promise<void> {
    const { config, ctx } = this;
    const client = createQueueClient(config, this.name, 'command', (error) => {
      this.lastError = error.message;
    });
    this.client = client;
    client.on('ready', () => {
      this.lastError = undefined;
      ctx.metrics.up(this.name, true);
    });
    client.on('close', () => ctx.metrics.up(this.name, false));
    ctx.metrics.up(this.name, false);
    const ttlMs = config.visibility_timeout;
    const shared = this.shared(ttlMs);
    for (const stream of config.streams) {
      const reader = createQueueClient(config, this.name, 'reader', () => {});
      this.readers.push(reader);
      const ops = new StreamOps(client, stream, config.consumer_group, ctx.nodeId);
      const lease = new StreamLease(client, leaseKey(config.consumer_group, stream), ctx.nodeId, ttlMs);
      const deadLetters =
        config.dead_letter_stream !== '' ? config.dead_letter_stream : `${stream}${DEAD_LETTER_SUFFIX}`;
      const batch = {
        consumer: this.name,
        stream,
        applier: ctx.applier,
        metrics: ctx.metrics,
        log: ctx.log,
        toMessage: (entry: Parameters<typeof entryMessage>[0]) => entryMessage(entry, config),
      };
      const worker = new StreamWorker(ops, reader, lease, batch, shared, deadLetters);
      this.runs.push(worker.run(this.stopping.signal));
    }
    const beat = (): void => void this.heartbeat(ttlMs);
    beat();
    this.timers.push(setInterval(beat, ttlMs / RENEWALS_PER_LEASE));
    this.timers.push(setInterval(() => void this.reportLag(), LAG_INTERVAL_MS));
    ctx.log.info(
      {
        address: displayAddress(config.address[0] ?? ''),
        streams: config.streams,
        group: config.consumer_group,
      },
      'redis_stream consumer started',
    );
  }

  problem(): string | undefined {
    if (this.client === undefined || this.client.status === 'ready') return undefined;
    const address = displayAddress(this.config.address[0] ?? '');
    return `cannot reach Redis at ${address}${this.lastError === undefined ? '' : `: ${this.lastError}`}`;
  }

  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    for (const timer of this.timers) clearInterval(timer);
    // A blocked XREADGROUP is rejected at once; whatever it had read stays pending.
    for (const reader of this.readers) reader.disconnect();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.runs),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, STOP_WAIT_MS);
      }),
    ]);
    clearTimeout(timeout);
    if (this.client !== undefined) {
      if (this.client.status === 'ready')
        await leave(this.client, this.config.consumer_group, this.ctx.nodeId);
      this.client.disconnect();
    }
    this.ctx.metrics.up(this.name, false);
  }

  private shared(ttlMs: number): WorkerShared {
    const share = (): number => Math.ceil(this.config.streams.length / (this.live ?? 1));
    return {
      batchSize: this.config.batch_size,
      ttlMs,
      workers: new Semaphore(this.config.num_workers),
      log: this.ctx.log,
      mayAcquire: () => this.live !== undefined && this.held.size < share(),
      shouldRelease: (stream) => this.held.size > share() && [...this.held].at(-1) === stream,
      held: (stream, holding) => {
        if (holding) this.held.add(stream);
        else this.held.delete(stream);
      },
    };
  }

  private async heartbeat(ttlMs: number): Promise<void> {
    if (this.client?.status !== 'ready') return;
    try {
      this.live = await heartbeat(this.client, this.config.consumer_group, this.ctx.nodeId, ttlMs);
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  private async reportLag(): Promise<void> {
    const client = this.client;
    if (client?.status !== 'ready') return;
    let total = 0;
    try {
      for (const stream of this.config.streams) {
        const ops = new StreamOps(client, stream, this.config.consumer_group, this.ctx.nodeId);
        total += (await ops.lag()) ?? 0;
      }
      this.ctx.metrics.lag(this.name, total);
    } catch {
      // The group may not exist yet; the next report tells.
    }
  }
}
