/**
 * A Lua script run with EVALSHA, falling back to EVAL (which also caches it) when the server does
 * not know it yet: after start, after a restart that lost the script cache, or on a new cluster node.
 * EVALSHA keeps every call small, and auto-pipelining batches calls made in the same tick.
 */
import { createHash } from 'node:crypto';
import type { RedisClient } from './client.js';

export class LuaScript {
  readonly sha: string;

  constructor(
    /** For error messages. */
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with these keys (all in one cluster slot) and arguments. */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      // EVALSHA did not run, so running the source now cannot apply the script twice.
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
