import { type Logger, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** `json`: a JSON object a line; `pretty`: a readable line; `auto`: pretty on a terminal only. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * A logger whose every line names the node: JSON lines, or for a person at a terminal one readable
 * line each (time, level, node, message, then the fields). Tokens and API keys are never passed to it.
 */
export function createLogger(level: string, node: string, format: LogFormat = 'json'): Logger {
  const terminal = process.stdout.isTTY === true;
  if (format === 'json' || (format === 'auto' && !terminal)) return pino({ level, base: { node } });
  const prettify = prettyFactory({
    colorize: terminal,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '[{node}] {msg}',
    ignore: 'node,pid,hostname',
    singleLine: true,
  });
  // Each line is formatted and written at once, like pino's own JSON output: a stream in between
  // would hold the last lines back, and an exit right after the final log line would drop them.
  const stream = { write: (line: string): void => void process.stdout.write(prettify(line)) };
  return pino({ level, base: { node } }, stream);
}

/** A logger that writes nothing, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
