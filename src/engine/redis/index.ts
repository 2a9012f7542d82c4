/** The Redis engine: nodes sharing a standalone Redis, a Sentinel-managed one or a Redis Cluster. */

export {
  decodeMessage,
  decodeStored,
  EnvelopeError,
  encodeBody,
  encodeControl,
  encodeJoin,
  encodeLeave,
  encodePublication,
} from './envelope.js';
export { type ChannelKeys, escapeChannel, KeySpace, type KeySpaceOptions } from './keys.js';
export { RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export { createRedisEngine, type RedisEngine, type RedisEngineOptions } from './redis-engine.js';
export { RedisHistoryStore } from './redis-history.js';
export { RedisPresenceStore } from './redis-presence.js';
export { RedisUserStatusStore } from './redis-user-status.js';
export { modeOf, type RedisMode } from './settings.js';
export { hashSlot, SLOT_COUNT } from './slot.js';
export { slotTag } from './slot-tags.js';
