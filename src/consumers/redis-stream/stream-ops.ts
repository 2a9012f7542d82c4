/**
 * The Redis commands on one stream and its consumer group: create the group, read new entries,
 * claim pending ones, acknowledge, add dead letters, read the lag, forget consumers of nodes gone.
 */
import type { Redis } from 'ioredis';
import { pause } from '../retry.js';
import { autoClaimReply, readGroupReply, type StreamEntry } from './entry.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

/**
 * Runs `attempt` until it succeeds, waiting with a capped backoff; false once `signal` aborted and an
 * attempt failed (one attempt is made even after the abort, so a stop still acknowledges what applied).
 */
export async function untilDone(
  attempt: () => Promise<unknown>,
  signal: AbortSignal,
  onError?: (error: unknown, failures: number) => void,
): Promise<boolean> {
  let delay = FIRST_DELAY_MS;
  for (let failures = 1; ; failures++) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (failures === 1 || failures % 20 === 0) onError?.(error, failures);
      if (signal.aborted) return false;
      await pause(delay, signal);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}

export function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

export class StreamOps {
  constructor(
    private readonly client: Redis,
    readonly stream: string,
    readonly group: string,
    readonly consumer: string,
  ) {}

  /** Creates the group at the stream's start (and the stream) unless it exists. */
  async ensureGroup(): Promise<void> {
    try {
      await this.client.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  /** New entries (`>`), waiting up to `blockMs` on `reader` (a connection of its own). */
  async readNew(reader: Redis, count: number, blockMs: number): Promise<StreamEntry[]> {
    const reply = await reader.callBuffer(
      'XREADGROUP',
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.stream,
      '>',
    );
    return readGroupReply(reply).entries;
  }

  /** Claims pending entries idle for `minIdleMs` from `cursor`, in id order. */
  async claim(
    cursor: string,
    minIdleMs: number,
    count: number,
  ): Promise<{ cursor: string; entries: StreamEntry[] }> {
    const reply = await this.client.callBuffer(
      'XAUTOCLAIM',
      this.stream,
      this.group,
      this.consumer,
      minIdleMs,
      cursor,
      'COUNT',
      count,
    );
    const { cursor: next, entries } = autoClaimReply(reply);
    return { cursor: next, entries };
  }

  async ack(ids: string[]): Promise<void> {
    await this.client.xack(this.stream, this.group, ...ids);
  }

  /** One XADD per dead entry, pipelined: its fields, then why and where it came from. */
  async deadLetter(target: string, dead: { entry: StreamEntry; reason: string }[]): Promise<void> {
    const pipeline = this.client.pipeline();
    for (const { entry, reason } of dead) {
      pipeline.xadd(
        target,
        '*',
        ...entry.raw,
        'dead_letter_reason',
        reason,
        'source_stream',
        this.stream,
        'source_id',
        entry.id,
        'consumer_group',
        this.group,
      );
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) throw failed ?? new Error('dead letters not written');
  }

  /** The group's lag (entries not yet delivered to it), when Redis knows it (7.0+). */
  async lag(): Promise<number | undefined> {
    const groups = (await this.client.xinfo('GROUPS', this.stream)) as unknown[];
    for (const group of groups) {
      const info = fieldsOf(group);
      if (info.get('name') !== this.group) continue;
      const lag = info.get('lag');
      return typeof lag === 'number' ? lag : undefined;
    }
    return undefined;
  }

  /** Removes other consumers with nothing pending, idle longer than `idleMs` (nodes gone). */
  async forgetIdleConsumers(idleMs: number): Promise<void> {
    const consumers = (await this.client.xinfo('CONSUMERS', this.stream, this.group)) as unknown[];
    for (const consumer of consumers) {
      const info = fieldsOf(consumer);
      const name = info.get('name');
      const idle = info.get('idle');
      if (typeof name !== 'string' || name === this.consumer) continue;
      if (info.get('pending') === 0 && typeof idle === 'number' && idle > idleMs) {
        await this.client.xgroup('DELCONSUMER', this.stream, this.group, name);
      }
    }
  }
}

/** A flat `[key, value, …]` reply as a map. */
function fieldsOf(reply: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), reply[i + 1]);
  return map;
}
