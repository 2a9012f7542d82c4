/**
 * What a Redis deployment holds for one channel: every key under the channel's hash tag, found with
 * SCAN on each data node (in Redis Cluster a node scans only its own slots, so every master is asked).
 */
import { KeySpace } from '../../src/engine/redis/index.js';
import { redisCommand } from '../harness/redis-resp.js';

/** A SCAN pattern that matches `text` literally. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The keys of `channel` under `prefix` on the servers at `ports`, sorted and without duplicates. */
export async function storedKeys(
  ports: readonly number[],
  prefix: string,
  channel: string,
): Promise<string[]> {
  const pattern = `${globLiteral(new KeySpace(prefix).topic(channel))}:*`;
  const found = new Set<string>();
  for (const port of ports) {
    let cursor = '0';
    do {
      const reply = (await redisCommand(port, ['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [
        string,
        string[],
      ];
      cursor = reply[0];
      for (const key of reply[1]) found.add(key);
    } while (cursor !== '0');
  }
  return [...found].sort();
}
