/** `@switchboard/publisher`: a typed client of Switchboard's server API. */
export type { AttemptEvent, AttemptHook, AttemptOutcome } from './attempt-event.js';
export type { BackoffOptions } from './backoff.js';
export type { BatchOptions } from './batcher.js';
export { PublisherError, type PublisherErrorKind } from './errors.js';
export { Publisher, type PublisherOptions } from './publisher.js';
export type * from './types.js';
