/** Switchboard's public API for embedding a node in a TypeScript program. */
export {
  createNode,
  type StartedNode,
  type StartOptions,
  type Switchboard,
  startNode,
  startSwitchboard,
} from './app.js';
export * from './auth/index.js';
export * from './config/index.js';
export {
  type EmbeddedRequestHandler,
  EmbeddedSwitchboard,
  type EmbedOptions,
  embedSwitchboard,
  type NextFunction,
} from './embed/embedded-switchboard.js';
export {
  type FastifyInstanceLike,
  type SwitchboardFastifyOptions,
  switchboardFastify,
} from './embed/fastify.js';
export { EmbedOptionError } from './embed/option-error.js';
export type { AttachOptions } from './embed/server-attachment.js';
export { EngineUnavailableError } from './engine/errors.js';
export { createMemoryEngine, MemoryBus } from './engine/memory/index.js';
export type {
  Broker,
  BrokerEvent,
  Engine,
  HistoryOptions,
  HistoryQuery,
  HistoryStore,
  PresenceStats,
  PresenceStore,
  PublishOptions,
  PublishResult,
} from './engine/types.js';
export { GatewayNode } from './gateway/node.js';
export { WEBSOCKET_PATH } from './gateway/ws/websocket-endpoint.js';
/** `GatewayServer` is the former name of {@link HttpServer}, kept for embedders. */
export { HttpServer as GatewayServer, HttpServer } from './http/server.js';
export { DisconnectCode, ErrorCode, UnsubscribeCode } from './protocol/codes.js';
export { CommandError } from './protocol/errors.js';
export type * from './protocol/types.js';
export { VERSION } from './version.js';
