/**
 * Drains a stopping node: its connections are closed with code 3001 (shutdown, reconnect) in waves
 * spread over a time window, so clients move to the other nodes gradually instead of all
 * reconnecting (and recovering from history) in the same instant.
 */
import type { Logger } from '../log.js';
import { DisconnectCode } from '../protocol/codes.js';
import type { Session } from './session.js';

/** What a drain works on: the node's open sessions, and its log. */
export interface DrainTarget {
  readonly log: Logger;
  readonly connections: {
    readonly size: number;
    /** Every open session, oldest first (a copy). */
    openSessions(): Pick<Session, 'close'>[];
  };
}

export interface DrainOptions {
  /** Time over which the waves are spread, ms; 0 closes every connection at once. */
  durationMs: number;
  /** Number of waves (at least 1). */
  waves: number;
}

/**
 * Start times of the waves, ms after the drain began: `0, d/n, 2d/n, …, (n-1)d/n`, so the last wave
 * leaves `d/n` for the clients of the last slice to close. A zero window is one wave.
 */
export function waveTimes(options: DrainOptions): number[] {
  const waves = options.durationMs > 0 ? Math.max(1, options.waves) : 1;
  return Array.from({ length: waves }, (_, i) => Math.round((i * options.durationMs) / waves));
}

/** How many of `remaining` connections wave `index` of `waves` closes: an even share of what is left. */
export function waveSize(remaining: number, index: number, waves: number): number {
  return Math.ceil(remaining / Math.max(1, waves - index));
}

export class Drain {
  private readonly times: number[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private finish: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly node: DrainTarget,
    options: DrainOptions,
  ) {
    this.times = waveTimes(options);
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** Runs the first wave now and schedules the others; `done` resolves after the last one. */
  start(): Promise<void> {
    this.started = performance.now();
    this.wave();
    return this.done;
  }

  /** Closes every remaining connection now (the hard limit, or a second signal). */
  now(): void {
    if (this.finish === undefined) return;
    clearTimeout(this.timer);
    this.next = this.times.length - 1;
    this.wave();
  }

  private wave(): void {
    const index = this.next++;
    const open = this.node.connections.openSessions();
    const closing = open.slice(0, waveSize(open.length, index, this.times.length));
    for (const conn of closing) conn.close(DisconnectCode.Shutdown);
    this.node.log.info(
      {
        wave: index + 1,
        waves: this.times.length,
        closed: closing.length,
        left: open.length - closing.length,
      },
      'drain: clients told to reconnect',
    );
    const at = this.times[this.next];
    if (at === undefined || this.node.connections.size === 0) {
      this.end();
      return;
    }
    this.timer = setTimeout(() => this.wave(), Math.max(0, this.started + at - performance.now()));
  }

  private end(): void {
    clearTimeout(this.timer);
    const finish = this.finish;
    this.finish = undefined;
    finish?.();
  }
}

/** A drain with the stop's deadline: {@link drainBefore}. */
export interface BoundedDrain {
  readonly drain: Drain;
  /** The stop finished in time: the deadline's cut will not run. */
  clear(): void;
}

/**
 * A drain for a stop that must end within `timeoutMs`: its waves spread over
 * `shutdown.drain_duration` but never past the deadline, and at the deadline every client left is
 * told at once and `cut` ends whatever is still open (sockets that never answered the close).
 */
export function drainBefore(
  node: DrainTarget,
  shutdown: { drain_duration: number; drain_waves: number },
  timeoutMs: number,
  cut: () => void,
): BoundedDrain {
  const drain = new Drain(node, {
    durationMs: Math.min(shutdown.drain_duration, timeoutMs),
    waves: shutdown.drain_waves,
  });
  const timer = setTimeout(() => {
    drain.now();
    cut();
  }, timeoutMs);
  timer.unref();
  return { drain, clear: () => clearTimeout(timer) };
}
