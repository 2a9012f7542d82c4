/** Measurement helpers shared by the load generator and the scenarios. */

/** CPU and memory accounting a server process reports about itself over IPC. */
export interface ServerStats {
  cpu: NodeJS.CpuUsage;
  mem: NodeJS.MemoryUsage;
  conns: number;
}

/** Latency summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Resolution of the latency histogram: 0.05 ms buckets up to 10 s. */
const BUCKET_MS = 0.05;
const BUCKETS = 200_000;

/** A fixed-resolution latency histogram: millions of samples without keeping them. */
export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS + 1);
  private total = 0;
  private maxMs = 0;

  record(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    const i = Math.min(BUCKETS, Math.floor(v / BUCKET_MS));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total++;
    if (v > this.maxMs) this.maxMs = v;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxMs = 0;
  }

  summary(): LatencySummary {
    return { count: this.total, p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.maxMs };
  }

  private quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.maxMs, (i + 1) * BUCKET_MS);
    }
    return this.maxMs;
  }
}

/** Wall-clock milliseconds comparable across processes on one machine, sub-millisecond. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** CPU seconds (user + system) between two `process.cpuUsage()` readings. */
export const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number =>
  (b.user - a.user + b.system - a.system) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
