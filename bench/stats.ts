/** Measurement helpers shared by the load generator and the scenarios. */

/**
 * CPU and memory of a server process: CPU from /proc (every kind alike); memory and connections as
 * the server reports them over IPC (Node servers), or from /proc with zero heap figures (Centrifugo).
 */
export interface ServerStats {
  cpu: NodeJS.CpuUsage;
  mem: NodeJS.MemoryUsage;
  conns: number;
  /** Write system calls so far (/proc/<pid>/io), when readable. */
  writes?: number;
}

export { Histogram, type LatencySummary } from '../src/cli/bench/histogram.js';

/** Wall-clock milliseconds comparable across processes on one machine, sub-millisecond. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** CPU seconds (user + system) between two `process.cpuUsage()` readings. */
export const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number =>
  (b.user - a.user + b.system - a.system) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
