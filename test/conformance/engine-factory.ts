/**
 * What a conformance suite needs from an engine implementation: a way to make the nodes of one
 * cluster and to tear them down. Each backend (memory, Redis) provides one in its test file.
 */
import type { Engine } from '../../src/engine/types.js';

export interface EngineFactory {
  /**
   * Creates `count` engines sharing one backend, as the nodes of one cluster. The backend may be
   * reused across tests (suites use unique channel names), so it need not be fresh.
   */
  create(count: number): Promise<Engine[]>;
  /**
   * Closes every engine created since the last cleanup. Suites call it after each test, also after
   * a test closed some engines itself, so it must tolerate engines already closed. The factory stays
   * usable for the next `create`.
   */
  cleanup(): Promise<void>;
  /**
   * Names of what the backend holds for `channel` right now (Redis keys, memory tables); empty when
   * nothing. The state suite asserts with it that reads create nothing and that what a publish
   * creates expires; it skips those checks for a factory without it.
   */
  stored?(channel: string): Promise<string[]>;
}

/** A tuple of `N` elements of `T`, so destructured nodes are typed without `undefined`. */
export type Tuple<N extends number, T, R extends T[] = []> = R['length'] extends N
  ? R
  : Tuple<N, T, [T, ...R]>;

/** Creates `count` nodes of one cluster through the factory, checking it made as many as asked. */
export async function createCluster<N extends number>(
  factory: EngineFactory,
  count: N,
): Promise<Tuple<N, Engine>> {
  const engines = await factory.create(count);
  if (engines.length !== count)
    throw new Error(`factory created ${engines.length} engines, asked for ${count}`);
  return engines as Tuple<N, Engine>;
}
