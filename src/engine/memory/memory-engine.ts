/**
 * The in-process engine: the embedded single-node default, and the multi-node test setup when
 * several engines share one `MemoryBus`.
 */
import type { Engine } from '../types.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryBus } from './memory-bus.js';
import { MemoryHistoryStore } from './memory-history.js';
import { MemoryPresenceStore } from './memory-presence.js';
import { MemoryUserStatusStore } from './memory-user-status.js';

/** Options of `createMemoryEngine`. */
export interface MemoryEngineOptions {
  /** The bus shared with the other nodes of an in-process cluster. Default: a new bus (a single node). */
  bus?: MemoryBus;
}

/** One node's engine on a `MemoryBus`, with the concrete memory classes visible. */
export interface MemoryEngine extends Engine {
  readonly bus: MemoryBus;
  readonly broker: MemoryBroker;
  readonly history: MemoryHistoryStore;
  readonly presence: MemoryPresenceStore;
  readonly userStatus: MemoryUserStatusStore;
}

/** Creates a node's engine: a broker, history, presence and user status stores sharing one bus. */
export function createMemoryEngine(options: MemoryEngineOptions = {}): MemoryEngine {
  const bus = options.bus ?? new MemoryBus();
  const broker = new MemoryBroker({ bus });
  const history = new MemoryHistoryStore({ bus });
  const presence = new MemoryPresenceStore({ bus });
  const userStatus = new MemoryUserStatusStore({ bus });
  return {
    bus,
    broker,
    history,
    presence,
    userStatus,
    reachable: () => true,
    async close(): Promise<void> {
      await Promise.all([broker.close(), history.close(), presence.close(), userStatus.close()]);
    },
  };
}
