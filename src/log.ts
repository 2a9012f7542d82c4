import { type Logger, pino } from 'pino';

export type { Logger };

/** A JSON logger whose every line names the node. Tokens and API keys are never passed to it. */
export function createLogger(level: string, node: string): Logger {
  return pino({ level, base: { node } });
}

/** A logger that writes nothing, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
