/**
 * Injects faults at random intervals in three lanes that overlap: one for the servers (a node
 * killed, a node frozen, Redis restarted, Redis cutting the nodes' pub/sub connections during a
 * storm; one at a time), one for long outages (a node frozen past the pong timeout, the JWKS
 * endpoint down) and one for the clients (slow consumers, dropped connections). Two lanes never
 * work on the same node at once. Each lane cycles through its kinds in a shuffled order, so a short
 * run sees them all.
 */

import { type NodeProcess, sleep } from '../harness/index.js';
import type { ChaosClient } from './client.js';
import { type ChaosCluster, PING_INTERVAL_MS, PONG_TIMEOUT_MS } from './cluster.js';
import { JWKS_OUTAGES } from './jwks.js';

export const FAULT_KINDS = [
  'kill node',
  'freeze node 5 s',
  'restart Redis',
  'pub/sub overflow in a storm',
  'freeze node past pong timeout',
  'JWKS outage',
  'slow consumers',
  'disconnect clients',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
const LANES: FaultKind[][] = [
  ['kill node', 'freeze node 5 s', 'restart Redis', 'pub/sub overflow in a storm'],
  ['freeze node past pong timeout', 'JWKS outage'],
  ['slow consumers', 'disconnect clients'],
];
/** Longer than a ping interval plus the pong timeout: every client's pong is late when it resumes. */
const LONG_FREEZE_MS = PING_INTERVAL_MS + PONG_TIMEOUT_MS + 3000;

export interface FaultOptions {
  /** Pause between two faults, picked uniformly in [minGapMs, maxGapMs]. */
  minGapMs: number;
  maxGapMs: number;
  /** Share of clients that stop reading, or that are disconnected, per fault. */
  clientShare: number;
  /** A burst of large publications (the pub/sub overflow fault runs it). */
  storm: () => Promise<void>;
  log: (line: string) => void;
}

const rand = (min: number, max: number): number => min + Math.random() * (max - min);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function sample<T>(items: readonly T[], share: number): T[] {
  const n = Math.max(1, Math.round(items.length * share));
  return [...items].sort(() => Math.random() - 0.5).slice(0, n);
}

export class FaultInjector {
  readonly counts = new Map<FaultKind, number>(FAULT_KINDS.map((k) => [k, 0]));
  /** Faults that could not be carried out (e.g. a node that did not come back). */
  readonly failures: string[] = [];
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly wakers = new Set<() => void>();
  /** Nodes a fault is working on. */
  private readonly busy = new Set<NodeProcess>();
  private outages = 0;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly clients: ChaosClient[],
    private readonly options: FaultOptions,
  ) {}

  start(): void {
    this.loop = Promise.all(LANES.map((kinds) => this.run(kinds))).then(() => {});
  }

  /** Stops injecting; resolves once the fault under way is over (a killed node is back). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    await this.loop;
  }

  private async run(kinds: FaultKind[]): Promise<void> {
    let order: FaultKind[] = [];
    while (!this.stopped) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.wakers.delete(wake);
          resolve();
        };
        this.wakers.add(wake);
        setTimeout(wake, rand(this.options.minGapMs, this.options.maxGapMs));
      });
      if (this.stopped) return;
      if (order.length === 0) order = [...kinds].sort(() => Math.random() - 0.5);
      const kind = order.pop()!;
      this.counts.set(kind, this.counts.get(kind)! + 1);
      try {
        await this.inject(kind);
      } catch (error) {
        this.failures.push(`${kind}: ${(error as Error).message}`);
      }
    }
  }

  /** Runs `work` on a node no other lane is working on. */
  private async onFreeNode(work: (node: NodeProcess) => Promise<void>): Promise<void> {
    const node = pick(this.cluster.nodes.filter((n) => !this.busy.has(n)));
    this.busy.add(node);
    try {
      await work(node);
    } finally {
      this.busy.delete(node);
    }
  }

  private async inject(kind: FaultKind): Promise<void> {
    const { cluster, options } = this;
    const at = new Date().toISOString().slice(11, 19);
    switch (kind) {
      case 'kill node':
        await this.onFreeNode((node) => {
          options.log(`${at} SIGKILL ${node.name}`);
          return cluster.killAndRestart(node, rand(500, 3000));
        });
        return;
      case 'freeze node 5 s':
        await this.onFreeNode((node) => {
          options.log(`${at} SIGSTOP ${node.name} for 5 s`);
          return cluster.freeze(node, 5000);
        });
        return;
      case 'freeze node past pong timeout':
        await this.onFreeNode((node) => {
          options.log(`${at} SIGSTOP ${node.name} for ${LONG_FREEZE_MS / 1000} s`);
          return cluster.freeze(node, LONG_FREEZE_MS);
        });
        return;
      case 'pub/sub overflow in a storm':
        options.log(`${at} pub/sub output-buffer limit shrunk during a storm`);
        await cluster.overflowPubSub(options.storm);
        return;
      case 'JWKS outage': {
        const outage = JWKS_OUTAGES[this.outages++ % JWKS_OUTAGES.length]!;
        options.log(`${at} JWKS ${outage}`);
        await cluster.jwks.fail(outage);
        try {
          // A node restarted now has no keys cached: its clients must be told to retry, not to give up.
          await this.onFreeNode((node) => cluster.killAndRestart(node, 500));
          await sleep(rand(4000, 8000));
        } finally {
          await cluster.jwks.restore();
        }
        return;
      }
      case 'restart Redis':
        options.log(`${at} restart Redis`);
        await cluster.restartRedis(rand(500, 2000));
        return;
      case 'slow consumers': {
        const chosen = sample(this.clients, options.clientShare);
        options.log(`${at} ${chosen.length} clients stop reading`);
        for (const client of chosen) client.pause(rand(5000, 25_000));
        await sleep(1000);
        return;
      }
      case 'disconnect clients': {
        const chosen = sample(this.clients, options.clientShare);
        options.log(`${at} ${chosen.length} clients disconnected`);
        for (const client of chosen) client.drop();
        return;
      }
    }
  }
}
