/** The in-process engine: single-node default and in-process clusters for tests. */
export { BrokerStateError, EngineArgumentError, EngineClosedError } from '../errors.js';
export {
  MemoryBroker,
  type MemoryBrokerOptions,
} from './memory-broker.js';
export { type BusEndpoint, MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { createMemoryEngine, type MemoryEngine, type MemoryEngineOptions } from './memory-engine.js';
export { MemoryHistoryStore, type MemoryHistoryStoreOptions } from './memory-history.js';
export { MemoryIdempotency } from './memory-idempotency.js';
export { MemoryPresenceStore, type MemoryPresenceStoreOptions } from './memory-presence.js';
export { MemoryPresenceTable } from './memory-presence-table.js';
export { MemoryStreams, type StreamView } from './memory-streams.js';
export { MemoryUserStatusStore, type MemoryUserStatusStoreOptions } from './memory-user-status.js';
export { MemoryUserStatusTable } from './memory-user-status-table.js';
