/**
 * Shared pieces of the resource tests: the node's resident memory read from /proc while an attack
 * runs, and sockets that count as attackers (tokens and bare TCP sockets come from the harness).
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { NodeProcess } from '../harness/node-process.js';

const MIB = 1024 * 1024;

/** Resident memory of a process, bytes (VmRSS in /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time a process has used, user plus system, seconds (/proc/<pid>/stat). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses: state is the first, utime the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a node before, at its highest during, and after an attack. */
export class MemoryWatch {
  readonly before: number;
  peak: number;
  after = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.before = rssOf(pid);
    this.peak = this.before;
    this.timer = setInterval(() => this.sample(), 50);
  }

  sample(): number {
    const now = rssOf(this.pid);
    if (now > this.peak) this.peak = now;
    return now;
  }

  /** Stops sampling; `after` is the last reading. */
  stop(): void {
    clearInterval(this.timer);
    this.after = this.sample();
  }

  /** Before/peak/after in MiB, one line, for the test log and the docs. */
  report(what: string): string {
    const mb = (n: number): string => (n / MIB).toFixed(1);
    const line = `${what}: RSS before ${mb(this.before)} MiB, peak ${mb(this.peak)} MiB, after ${mb(this.after)} MiB`;
    console.log(line);
    return line;
  }

  /** Fails when the node grew by more than `mib` at its peak. */
  assertPeakGrowthBelow(mib: number): void {
    const grown = (this.peak - this.before) / MIB;
    if (grown > mib) throw new Error(`RSS grew by ${grown.toFixed(1)} MiB, more than ${mib} MiB`);
  }
}

/** The pid of a node process. */
export function pidOf(node: NodeProcess): number {
  const pid = node.child.pid;
  if (pid === undefined) throw new Error(`node ${node.name} has no pid`);
  return pid;
}

/** Resolves with how long the socket took to close, ms from `since`. */
export function closedAfter(socket: Socket, since: number): Promise<number> {
  if (socket.destroyed) return Promise.resolve(Date.now() - since);
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - since)));
}

export interface FloodSummary {
  /** Sockets still open once the flood settled. */
  open: number;
  /** From the first socket to the last event, ms. */
  ms: number;
  /** How many sockets ended each way, e.g. `close 3504`. */
  outcomes: Record<string, number>;
}

const workerPath = new URL('./flood-worker.ts', import.meta.url).pathname;

/** Opens `count` WebSockets at once from another process; `stop` closes them. */
export async function flood(
  url: string,
  count: number,
): Promise<{ summary: FloodSummary; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath, url, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin.end();
    await exited;
  };
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    return { summary: JSON.parse(line) as FloodSummary, stop };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
