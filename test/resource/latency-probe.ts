/**
 * Neighbour latency while an attack runs: one connected client sends `ping` commands one after
 * another and `GET /health` is requested one after another, each about every 50 ms. A node whose
 * event loop stalls shows up as one slow round trip as long as the stall.
 */
import { type NodeProcess, type RawClient, sleep } from '../harness/index.js';

/** How long `/health` may take before the probe gives up (the raw client gives up after 5 s). */
const GAVE_UP_MS = 30_000;

interface Sample {
  startedAt: number;
  ms: number;
}

export class LatencyProbe {
  /** Probes that got no answer or a wrong one. */
  failed = 0;
  private readonly samples: Sample[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(node: NodeProcess, neighbour: RawClient) {
    let id = 1000;
    this.loops = [
      this.loop(async () => {
        await neighbour.call(id++, 'ping', {});
      }),
      this.loop(async () => {
        const res = await fetch(`${node.baseUrl}/health`, { signal: AbortSignal.timeout(GAVE_UP_MS) });
        await res.text();
        if (!res.ok) throw new Error(`/health answered ${res.status}`);
      }),
    ];
  }

  /** The slowest probe that started at or after `from` (and before `to`), ms. */
  slowestSince(from: number, to = Number.POSITIVE_INFINITY): number {
    let slowest = 0;
    for (const s of this.samples)
      if (s.startedAt >= from && s.startedAt < to) slowest = Math.max(slowest, s.ms);
    return slowest;
  }

  /** Stops probing once the probes in flight have their answer (or gave up). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(probe: () => Promise<void>): Promise<void> {
    while (this.running) {
      const startedAt = Date.now();
      try {
        await probe();
      } catch {
        this.failed++;
      }
      this.samples.push({ startedAt, ms: Date.now() - startedAt });
      await sleep(50);
    }
  }
}
