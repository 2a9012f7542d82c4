/**
 * Errors of the in-process engine. Each has a stable `code` that callers and tests match on; the
 * message says what went wrong and what to do.
 */

/** A broker or store was used after `close()`. */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError';
  readonly code = 'ENGINE_CLOSED';
  constructor(component: string) {
    super(`${component} is closed; create a new engine instead of reusing a closed one`);
  }
}

/** A broker was used out of order: `subscribe` before `start`, or `start` twice. */
export class BrokerStateError extends Error {
  override readonly name = 'BrokerStateError';
  constructor(
    readonly code: 'BROKER_NOT_STARTED' | 'BROKER_ALREADY_STARTED',
    message: string,
  ) {
    super(message);
  }
}

/** An argument is outside what the interface allows (for example a history size of 0). */
export class EngineArgumentError extends Error {
  override readonly name = 'EngineArgumentError';
  readonly code = 'ENGINE_INVALID_ARGUMENT';
}
