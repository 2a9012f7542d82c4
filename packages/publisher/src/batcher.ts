/**
 * Groups `publish` calls made close together into `batch` requests. The first call of a group
 * starts a `maxDelayMs` timer; the group is sent when the timer fires or when it holds `maxSize`
 * calls. One batch is in flight at a time and groups are sent in call order, so publications to a
 * channel reach the server, which runs a batch's commands in order, in the order of the calls.
 */

import { PublisherError } from './errors.js';
import { type Attempt, Attempts, type RetryPolicy, sleep } from './retry.js';
import type { BatchReply, PublishRequest, PublishResult } from './types.js';

export interface BatchOptions {
  /** Most publishes in one request (the server takes at most 1,000 commands). Default 100. */
  maxSize?: number;
  /** How long the first publish of a group waits for others. Default 5 ms. */
  maxDelayMs?: number;
}

interface Pending {
  params: PublishRequest;
  resolve(result: PublishResult): void;
  reject(error: unknown): void;
}

/** Sends `{"commands":[...]}` once, within the attempt's timeout, and resolves with the replies. */
export type SendBatch = (commands: { publish: PublishRequest }[], attempt: Attempt) => Promise<BatchReply[]>;

export class PublishBatcher {
  private readonly maxSize: number;
  private readonly maxDelayMs: number;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The group being sent; the next one waits for it. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    options: BatchOptions,
    private readonly retry: RetryPolicy,
    private readonly send: SendBatch,
  ) {
    this.maxSize = Math.min(1000, Math.max(1, options.maxSize ?? 100));
    this.maxDelayMs = Math.max(0, options.maxDelayMs ?? 5);
  }

  publish(params: PublishRequest): Promise<PublishResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ params, resolve, reject });
      if (this.queue.length >= this.maxSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    });
  }

  /** Sends what is queued now; resolves once every group sent so far is answered. */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxSize);
      this.inFlight = this.inFlight.then(() =>
        this.sendGroup(group).catch((error: unknown) => {
          // Only a throwing `onAttempt` hook gets here: the group's calls reject with what it threw.
          for (const p of group) p.reject(error);
        }),
      );
    }
    return this.inFlight;
  }

  /**
   * Sends one group, retrying under one deadline and one count of attempts (the policy's, started
   * when the group is sent). A request that fails temporarily is sent again whole; when it succeeds
   * but some commands fail with a temporary error of their own, only those are sent again, with
   * the same idempotency keys.
   */
  private async sendGroup(group: Pending[]): Promise<void> {
    const attempts = new Attempts(this.retry, 'batch');
    let pending = group;
    while (pending.length > 0) {
      const attempt = attempts.begin();
      let replies: BatchReply[];
      try {
        replies = await this.send(
          pending.map((p) => ({ publish: p.params })),
          attempt,
        );
      } catch (error) {
        const delay = error instanceof PublisherError ? attempts.end(attempt, 'error', error) : undefined;
        if (delay === undefined) {
          for (const p of pending) p.reject(error);
          return;
        }
        await sleep(delay);
        continue;
      }
      // Every outcome is known before any caller hears of it, so that the report comes first (and a
      // hook that throws still reaches every caller of the group).
      const settle: (() => void)[] = [];
      const again: { p: Pending; error: PublisherError }[] = [];
      for (const [i, p] of pending.entries()) {
        const reply = replies[i];
        if (reply === undefined) {
          const error = new PublisherError(
            'http',
            0,
            'http: batch answered too few replies',
            false,
            200,
            'publish',
          );
          settle.push(() => p.reject(error));
        } else if ('error' in reply) {
          const error = PublisherError.fromApi('publish', reply.error, 200);
          error.attempts = attempt.number;
          if (error.temporary) again.push({ p, error });
          else settle.push(() => p.reject(error));
        } else if ('publish' in reply) {
          const result = reply.publish;
          settle.push(() => p.resolve(result));
        } else {
          const error = new PublisherError('http', 0, 'http: unexpected batch reply', false, 200, 'publish');
          settle.push(() => p.reject(error));
        }
      }
      const first = again[0];
      const delay =
        first === undefined ? attempts.end(attempt, 'ok') : attempts.end(attempt, 'partial', first.error);
      for (const done of settle) done();
      if (first === undefined) return;
      if (delay === undefined) {
        for (const { p, error } of again) p.reject(error);
        return;
      }
      pending = again.map(({ p }) => p);
      await sleep(delay);
    }
  }
}
