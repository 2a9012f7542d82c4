import { sleep, TEST_API_KEY } from '../harness/index.js';
/**
 * Publishes at a steady rate through the HTTP API of random nodes. Each channel's publications are
 * numbered `seq` 1, 2, 3… and sent one after another, each with an idempotency key and retried with
 * that key (to any node) on a temporary error (100), a network error, a timeout or a 5xx, until it is
 * accepted. On a fresh stream the offset returned must therefore equal `seq`.
 */

/** What was published to one channel. */
export interface ChannelRecord {
  /** Publications enqueued (the last `seq` given out). */
  enqueued: number;
  /** Highest offset the API returned. */
  final: number;
  epoch: string;
  chain: Promise<void>;
}

const REQUEST_TIMEOUT_MS = 3000;
/** Publications waiting in all chains at most; beyond it a tick publishes nothing (counted). */
const MAX_PENDING = 500;

export class Publisher {
  readonly channels = new Map<string, ChannelRecord>();
  accepted = 0;
  /** Attempts that failed and were retried, by kind. */
  readonly retries = new Map<string, number>();
  /** Accepted publications whose offset was not their seq, or whose epoch changed. */
  streamAnomalies = 0;
  skippedTicks = 0;
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private giveUpAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly baseUrls: () => string[],
    private readonly pickChannel: () => string,
  ) {}

  /** Publishes `rate` publications per second until `stop()`. */
  start(rate: number): void {
    const began = performance.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - began) / 1000) * rate);
      for (; sent < due; sent++) {
        if (this.pending >= MAX_PENDING) this.skippedTicks++;
        else this.enqueue(this.pickChannel());
      }
    }, 20);
  }

  /** Stops publishing and waits for what is under way (at most `timeoutMs`, then gives up retrying). */
  async stop(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    this.giveUpAt = Date.now() + timeoutMs;
    await Promise.all([...this.channels.values()].map((r) => r.chain));
  }

  get published(): number {
    let n = 0;
    for (const r of this.channels.values()) n += r.enqueued;
    return n;
  }

  /**
   * A burst on top of the steady rate: `perChannel` publications to each of `channels`, each
   * carrying `padBytes` of padding; resolves when all of them were accepted (or abandoned).
   */
  async storm(channels: readonly string[], perChannel: number, padBytes: number): Promise<void> {
    const pad = 'x'.repeat(padBytes);
    for (let i = 0; i < perChannel; i++) for (const channel of channels) this.enqueue(channel, pad);
    await Promise.all(channels.map((c) => this.channels.get(c)?.chain));
  }

  private enqueue(channel: string, pad?: string): void {
    let record = this.channels.get(channel);
    if (record === undefined) {
      record = { enqueued: 0, final: 0, epoch: '', chain: Promise.resolve() };
      this.channels.set(channel, record);
    }
    const seq = ++record.enqueued;
    this.pending++;
    const rec = record;
    rec.chain = rec.chain.then(async () => {
      await this.publishOne(channel, seq, rec, pad);
      this.pending--;
    });
  }

  private count(kind: string): void {
    this.retries.set(kind, (this.retries.get(kind) ?? 0) + 1);
  }

  private async publishOne(channel: string, seq: number, rec: ChannelRecord, pad?: string): Promise<void> {
    const data = pad === undefined ? { seq } : { seq, pad };
    const body = JSON.stringify({ channel, data, idempotency_key: `${channel}/${seq}` });
    for (let attempt = 0; Date.now() < this.giveUpAt; attempt++) {
      const urls = this.baseUrls();
      const url = urls[Math.floor(Math.random() * urls.length)]!;
      try {
        const res = await fetch(`${url}/api/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const reply = (await res.json()) as {
          result?: { offset?: number; epoch?: string };
          error?: { code: number };
        };
        if (res.status >= 500) this.count(`http ${res.status}`);
        else if (reply.result !== undefined) {
          this.accept(rec, seq, reply.result);
          return;
        } else this.count(`error ${reply.error?.code ?? res.status}`);
      } catch (error) {
        this.count((error as Error).name === 'TimeoutError' ? 'timeout' : 'network');
      }
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
    this.count('abandoned');
  }

  private accept(rec: ChannelRecord, seq: number, result: { offset?: number; epoch?: string }): void {
    this.accepted++;
    const offset = result.offset ?? 0;
    if (offset !== seq || (rec.epoch !== '' && result.epoch !== rec.epoch)) this.streamAnomalies++;
    rec.epoch = result.epoch ?? '';
    rec.final = Math.max(rec.final, offset);
  }
}
