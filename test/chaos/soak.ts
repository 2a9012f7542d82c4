/**
 * The chaos soak: a cluster under steady publishing and random faults, clients that reconnect and
 * recover, then a settle phase and a check of every client's every channel.
 */
import { signToken } from '../../src/auth/token-signer.js';
import { sleep, TEST_SECRET, waitFor } from '../harness/index.js';
import { ChaosClient } from './client.js';
import { ChaosCluster, HISTORY_SIZE, RECOVERY_LIMIT, SHARED_NAMESPACE } from './cluster.js';
import { FaultInjector, type FaultKind } from './faults.js';
import { Publisher } from './publisher.js';

export interface SoakOptions {
  durationMs: number;
  clients: number;
  /** Publications per second, all channels together. */
  rate: number;
  sharedChannels: number;
  /** Shared channels each client subscribes to (besides its personal channel). */
  channelsPerClient: number;
  /** Share of publications that go to a random user's personal channel. */
  personalShare: number;
  nginx: boolean;
  minFaultGapMs: number;
  maxFaultGapMs: number;
  /** Longest wait for everything to be delivered after the faults stop. */
  settleTimeoutMs: number;
  log: (line: string) => void;
}

export const defaultSoakOptions: SoakOptions = {
  durationMs: 60_000,
  clients: 1000,
  rate: 60,
  sharedChannels: 20,
  channelsPerClient: 3,
  personalShare: 0.3,
  nginx: false,
  minFaultGapMs: 4000,
  maxFaultGapMs: 10_000,
  settleTimeoutMs: 120_000,
  log: () => {},
};

export interface SoakReport {
  options: Pick<
    SoakOptions,
    'durationMs' | 'clients' | 'rate' | 'sharedChannels' | 'channelsPerClient' | 'nginx'
  >;
  seconds: number;
  published: number;
  publishRetries: Record<string, number>;
  /** Publications not made because 500 were already waiting (publishing slowed down by faults). */
  skippedTicks: number;
  /** Node restarts tried again because the node did not answer /health within 15 s. */
  slowStarts: number;
  /** Accepted publications whose offset was not their sequence number or whose epoch changed. */
  streamAnomalies: number;
  expectedDeliveries: number;
  deliveries: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Publications pushed for a channel the client was not subscribed to. */
  unexpected: number;
  /** `recovered: false` answers by reason, and how many of them had no reason. */
  unrecovered: Record<string, number>;
  unexplainedUnrecovered: number;
  /** Clients not connected and subscribed to all their channels when the settle phase ended. */
  unsettledClients: number;
  clientReconnects: number;
  closeCodes: Record<string, number>;
  subscribeErrors: Record<string, number>;
  connectErrors: Record<string, number>;
  /**
   * Answers after which an official SDK would stop reconnecting: close codes 3500 and above, and
   * connect errors not marked temporary. A fault of ours must never cause one.
   */
  terminal: Record<string, number>;
  /** Clients connecting with RS256 tokens checked against the JWKS endpoint. */
  jwksClients: number;
  /** Key sets the JWKS endpoint served, all nodes together. */
  jwksFetches: number;
  /** Node subscriber connections Redis cut for their output buffer (the storm fault). */
  outputBufferDisconnections: number;
  faults: Record<FaultKind, number>;
  faultFailures: string[];
  crashes: string[];
  /** Nodes whose exit at the final SIGTERM was not a clean 0. */
  badExits: string[];
  /** Nodes that did not answer `info` at the end. */
  stuckNodes: string[];
  rss: { node: string; warmMiB: number; endMiB: number; restarts: number }[];
}

const bump = (m: Record<string, number>, key: string, by = 1): void => {
  m[key] = (m[key] ?? 0) + by;
};

function channelsFor(i: number, o: SoakOptions): string[] {
  const out: string[] = [];
  for (let k = 0; k < o.channelsPerClient; k++) {
    out.push(`${SHARED_NAMESPACE}:c${(i * 7 + k * 3) % o.sharedChannels}`);
  }
  return [...new Set(out)];
}

/** Polls the clients every 250 ms: a check walks all of them. */
const POLL = (timeoutMs: number) => ({ timeoutMs, intervalMs: 250 });

export async function runSoak(partial: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o = { ...defaultSoakOptions, ...partial };
  const log = o.log;
  const cluster = await ChaosCluster.start(3, o.nginx);
  const clients: ChaosClient[] = [];
  try {
    log(`cluster up: Redis ${cluster.redis.port}, nodes ${cluster.nodes.map((n) => n.port).join(', ')}`);
    const tokenTtl = Math.ceil(o.durationMs / 1000) + 3600;
    const limits = { recoveryLimit: RECOVERY_LIMIT, historySize: HISTORY_SIZE };
    for (let i = 0; i < o.clients; i++) {
      const user = `u${i}`;
      // Every other client depends on the JWKS endpoint (the JWKS outage fault).
      const token =
        i % 2 === 1
          ? await cluster.jwks.sign(user, tokenTtl)
          : await signToken({ sub: user }, TEST_SECRET, { expiresInSeconds: tokenTtl });
      clients.push(new ChaosClient(user, token, channelsFor(i, o), () => cluster.wsUrl(), limits));
    }
    for (const [i, client] of clients.entries()) {
      client.start();
      if (i % 50 === 49) await sleep(50);
    }
    const settled = await waitFor(() => clients.every((c) => c.settled), POLL(60_000)).then(
      () => true,
      () => false,
    );
    if (!settled) {
      throw new Error(`only ${clients.filter((c) => c.settled).length} of ${o.clients} clients connected`);
    }
    log(`${o.clients} clients connected and subscribed`);

    const shared = Array.from({ length: o.sharedChannels }, (_, k) => `${SHARED_NAMESPACE}:c${k}`);
    const publisher = new Publisher(
      () => cluster.baseUrls(),
      () =>
        Math.random() < o.personalShare
          ? `#u${Math.floor(Math.random() * o.clients)}`
          : shared[Math.floor(Math.random() * shared.length)]!,
    );
    const began = performance.now();
    publisher.start(o.rate);
    await sleep(5000);
    const warm = cluster.rss();
    log(`warm-up RSS (MiB): ${warm.map((r) => r.toFixed(0)).join(', ')}`);

    const faults = new FaultInjector(cluster, clients, {
      minGapMs: o.minFaultGapMs,
      maxGapMs: o.maxFaultGapMs,
      clientShare: 0.05,
      // Three 20 KB publications to each shared channel, each more than a node's pub/sub buffer may hold.
      storm: () => publisher.storm(shared, 3, 20_000),
      log,
    });
    faults.start();
    await sleep(Math.max(0, o.durationMs - 5000));
    await faults.stop();
    await publisher.stop(o.settleTimeoutMs / 2);
    const seconds = (performance.now() - began) / 1000;
    log(`faults and publishing stopped after ${seconds.toFixed(0)} s; settling`);

    const caughtUp = (c: ChaosClient): boolean =>
      c.settled &&
      [...c.views.values()].every((v) => v.last >= (publisher.channels.get(v.channel)?.final ?? 0));
    // Clients still behind are reported below, not thrown.
    await waitFor(() => clients.every(caughtUp), POLL(o.settleTimeoutMs)).catch(() => {});
    // Anything still in flight (a late duplicate) has time to arrive.
    await sleep(1000);

    const stuckNodes: string[] = [];
    for (const node of cluster.nodes) {
      const ok = await node.api('info').then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ok) stuckNodes.push(node.name);
    }
    const end = cluster.rss();

    const report: SoakReport = {
      options: {
        durationMs: o.durationMs,
        clients: o.clients,
        rate: o.rate,
        sharedChannels: o.sharedChannels,
        channelsPerClient: o.channelsPerClient,
        nginx: o.nginx,
      },
      seconds,
      published: publisher.accepted,
      publishRetries: Object.fromEntries(publisher.retries),
      skippedTicks: publisher.skippedTicks,
      slowStarts: cluster.slowStarts,
      streamAnomalies: publisher.streamAnomalies + (publisher.published - publisher.accepted),
      expectedDeliveries: 0,
      deliveries: 0,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      unexpected: 0,
      unrecovered: {},
      unexplainedUnrecovered: 0,
      unsettledClients: clients.filter((c) => !c.settled).length,
      clientReconnects: 0,
      closeCodes: {},
      subscribeErrors: {},
      connectErrors: {},
      terminal: {},
      jwksClients: Math.floor(o.clients / 2),
      jwksFetches: cluster.jwks.served,
      outputBufferDisconnections: cluster.pubsubCuts,
      faults: Object.fromEntries(faults.counts) as Record<FaultKind, number>,
      faultFailures: faults.failures,
      crashes: [],
      badExits: [],
      stuckNodes,
      rss: [],
    };
    for (const client of clients) {
      report.clientReconnects += client.reconnects;
      for (const [code, n] of client.closeCodes) {
        bump(report.closeCodes, String(code), n);
        if (code >= 3500) bump(report.terminal, `close ${code}`, n);
      }
      for (const [key, n] of client.connectErrors) {
        bump(report.connectErrors, key, n);
        if (!key.endsWith('/temporary')) bump(report.terminal, `connect error ${key}`, n);
      }
      for (const view of client.views.values()) {
        const final = publisher.channels.get(view.channel)?.final ?? 0;
        let declared = 0;
        for (const u of view.unrecovered) {
          declared += u.missed;
          bump(report.unrecovered, u.reason);
          if (!u.explained) report.unexplainedUnrecovered++;
        }
        report.expectedDeliveries += Math.max(0, final - view.firstOffset - declared);
        report.deliveries += view.delivered;
        report.lost += view.skipped.size + Math.max(0, final - view.last);
        report.duplicated += view.duplicated;
        report.outOfOrder += view.outOfOrder + view.seqMismatch;
        report.unexpected += view.unexpected;
        for (const [code, n] of view.errors) bump(report.subscribeErrors, String(code), n);
      }
    }
    for (const client of clients) client.stop();
    await cluster.stop();
    report.crashes = cluster.crashes.map((e) => `${e.node} exited (code ${e.code}, signal ${e.signal})`);
    report.badExits = cluster.finalExits
      .filter((e) => e.code !== 0)
      .map((e) => `${e.node} (code ${e.code}, signal ${e.signal})`);
    report.rss = cluster.nodes.map((n, i) => ({
      node: n.name,
      warmMiB: warm[i]!,
      endMiB: end[i]!,
      restarts: cluster.restarts.get(n.name) ?? 0,
    }));
    return report;
  } finally {
    for (const client of clients) client.stop();
    await cluster.stop().catch(() => {});
  }
}
