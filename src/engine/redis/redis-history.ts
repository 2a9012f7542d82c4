/**
 * The Redis history store: reads the streams the publish script appends to, with one script per read
 * that writes nothing of the channel (a read of a channel never published leaves no key of it
 * behind; at most the seed of its slot, see `history-script.ts`).
 */
import { EngineClosedError } from '../errors.js';
import { epochWindowMs } from '../stream-epoch.js';
import type { HistoryPage, HistoryQuery, HistoryStore } from '../types.js';
import { requireHistoryQuery, requirePositive } from '../validate.js';
import type { CommandConnection } from './command-connection.js';
import { decodeStored } from './envelope.js';
import { historyScript } from './history-script.js';
import type { KeySpace } from './keys.js';

export class RedisHistoryStore implements HistoryStore {
  private closed = false;

  constructor(
    private readonly connection: CommandConnection,
    private readonly keys: KeySpace,
  ) {}

  async history(channel: string, query: HistoryQuery, metaTtlMs: number): Promise<HistoryPage> {
    this.assertOpen();
    requireHistoryQuery(query);
    requirePositive('metaTtlMs', metaTtlMs);
    const keys = this.keys.channel(channel);
    let reply: (string | number)[];
    try {
      reply = (await historyScript.run(
        this.connection.client,
        [keys.meta, keys.stream, this.keys.seed(keys.topic)],
        [
          epochWindowMs(metaTtlMs),
          query.limit,
          query.since === undefined ? '' : query.since.offset,
          query.reverse === true ? '1' : '0',
        ],
      )) as (string | number)[];
    } catch (error) {
      throw this.connection.fail(error, `reading the history of ${channel}`);
    }
    const publications = [];
    for (let i = 2; i < reply.length; i += 2) {
      const id = String(reply[i]);
      publications.push(decodeStored(String(reply[i + 1]), Number(id.slice(0, id.indexOf('-')))));
    }
    return { publications, position: { offset: Number(reply[0]), epoch: String(reply[1]) } };
  }

  async remove(channel: string): Promise<void> {
    this.assertOpen();
    // Outside the try: a refused name is the caller's error, not Redis being unavailable.
    const stream = this.keys.channel(channel).stream;
    try {
      await this.connection.client.del(stream);
    } catch (error) {
      throw this.connection.fail(error, `removing the history of ${channel}`);
    }
  }

  /** Closing twice is a no-op. The streams stay in Redis for the other nodes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('redis history store');
  }
}
