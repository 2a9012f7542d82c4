/** The Redis presence store: a hash and an expiry zset per channel, changed and read by scripts. */
import type { ClientInfo } from '../../protocol/types.js';
import { EngineClosedError } from '../errors.js';
import type { PresenceStats, PresenceStore } from '../types.js';
import { requirePositive, requireWellFormed } from '../validate.js';
import type { CommandConnection } from './command-connection.js';
import type { KeySpace } from './keys.js';
import { presenceAddScript, presenceReadScript, presenceRemoveScript } from './presence-scripts.js';
import { ttlArg } from './ttl.js';

export class RedisPresenceStore implements PresenceStore {
  private closed = false;

  constructor(
    private readonly connection: CommandConnection,
    private readonly keys: KeySpace,
  ) {}

  async add(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    this.assertOpen();
    // The client id is a hash field and the user is counted by the scripts: both must encode as UTF-8.
    requireWellFormed('client id', info.client);
    requireWellFormed('user id', info.user);
    requirePositive('presence ttlMs', ttlMs);
    await this.run(channel, 'adding presence', presenceAddScript, [
      info.client,
      JSON.stringify(info),
      ttlArg(ttlMs),
    ]);
  }

  async remove(channel: string, clientId: string): Promise<void> {
    this.assertOpen();
    requireWellFormed('client id', clientId);
    await this.run(channel, 'removing presence', presenceRemoveScript, [clientId]);
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.assertOpen();
    const flat = (await this.run(channel, 'reading presence', presenceReadScript, ['list'])) as string[];
    const pairs: [string, ClientInfo][] = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, JSON.parse(flat[i + 1]!) as ClientInfo]);
    // fromEntries defines own properties, so a client id such as "__proto__" stays a plain key.
    return Object.fromEntries(pairs);
  }

  async stats(channel: string): Promise<PresenceStats> {
    this.assertOpen();
    const [numClients, numUsers] = (await this.run(channel, 'reading presence stats', presenceReadScript, [
      'stats',
    ])) as [number, number];
    return { numClients, numUsers };
  }

  /** Closing twice is a no-op. Entries stay in Redis until they expire, like a dead node's. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.release();
  }

  private async run(
    channel: string,
    action: string,
    script: typeof presenceAddScript,
    args: (string | number)[],
  ): Promise<unknown> {
    const keys = this.keys.channel(channel);
    try {
      return await script.run(this.connection.client, [keys.presence, keys.presenceExpiry], args);
    } catch (error) {
      throw this.connection.fail(error, `${action} of ${channel}`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineClosedError('redis presence store');
  }
}
