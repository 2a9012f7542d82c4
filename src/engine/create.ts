/** Picks the engine a config asks for. The Redis engine is loaded only when used. */
import type { EngineConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { createMemoryEngine } from './memory/index.js';
import type { Engine } from './types.js';

export async function createEngine(config: EngineConfig, log?: Logger): Promise<Engine> {
  if (config.type === 'memory') {
    log?.info({ engine: 'memory' }, 'engine ready: in memory, this node alone');
    return createMemoryEngine();
  }
  const { createRedisEngine } = await import('./redis/index.js');
  // While Redis is down every reconnect attempt fails: log the first, then at most one every 10 s.
  let lastLogged = 0;
  const engine = await createRedisEngine({
    config: config.redis,
    onError: (error: unknown) => {
      const now = Date.now();
      if (now - lastLogged < 10_000) return;
      lastLogged = now;
      log?.warn({ err: error }, 'redis connection error (retrying in the background)');
    },
  });
  // The address is not logged: a Redis URL may carry a password.
  log?.info({ engine: 'redis', mode: engine.mode }, 'engine connected: redis');
  return engine;
}
