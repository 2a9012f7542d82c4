/** Errors shared by every engine implementation, each with a stable `code`. */
/** The engine's backend (for example Redis) cannot be reached; the caller may retry later. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
  readonly code = 'ENGINE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

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
