/** A pino logger for a node started in the test's process, keeping every line it writes as an object. */
import { pino } from 'pino';
import type { Logger } from '../../src/log.js';

export interface CapturedLog {
  readonly logger: Logger;
  /** Every line so far, parsed. */
  readonly lines: Array<Record<string, unknown>>;
  /** The lines whose `msg` matches. */
  find(msg: string | RegExp): Array<Record<string, unknown>>;
  /** Everything written, as text (to check what must never appear). */
  text(): string;
}

/** Pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

export function captureLog(level: 'debug' | 'info' | 'warn' = 'debug', node = 'test-node'): CapturedLog {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level, base: { node } },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return {
    logger,
    lines,
    find: (msg) =>
      lines.filter((l) => (typeof msg === 'string' ? l['msg'] === msg : msg.test(String(l['msg'])))),
    text: () => raw.join(''),
  };
}
