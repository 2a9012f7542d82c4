/** `switchboard/publisher`: a typed client of the server API. */
export type { BackoffOptions } from './backoff.js';
export type { BatchOptions } from './batcher.js';
export { PublisherError, type PublisherErrorKind } from './errors.js';
export { Publisher, type PublisherOptions } from './publisher.js';
export type * from './types.js';
