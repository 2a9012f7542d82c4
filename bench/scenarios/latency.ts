/** Steady-rate latency: 100 publications/s to 1,000 subscribers, on one node and across two nodes. */
import { startRedis } from '../../test/harness/redis.js';
import { type BenchServer, type ServerKind, startServer } from '../servers.js';
import {
  asRecord,
  fmt,
  KINDS,
  LABEL,
  measuredPublish,
  type RunFigures,
  ratio,
  type ScenarioContext,
  type ScenarioResult,
  size,
} from './common.js';

async function runOn(
  ctx: ScenarioContext,
  kind: ServerKind,
  cross: boolean,
  clients: number,
  rate: number,
  seconds: number,
  redisUrl: string,
): Promise<RunFigures> {
  const servers: BenchServer[] = [];
  try {
    const opts = cross ? { redisUrl } : {};
    servers.push(await startServer(kind, { name: 'bench-1', ...opts }));
    if (cross) servers.push(await startServer(kind, { name: 'bench-2', ...opts }));
    const connected = await ctx.load.run({
      type: 'connect',
      group: 'clients',
      proto: kind,
      // Cross node: every subscriber on node 2, the publisher on node 1.
      ports: [servers[servers.length - 1]!.port],
      count: clients,
      first: 0,
      tokens: true,
      channel: 'latency',
      concurrency: 100,
    });
    if (connected.failed > 0)
      throw new Error(`${kind}: ${connected.failed} clients failed: ${connected.firstError}`);
    if (cross) await new Promise((r) => setTimeout(r, 300));
    const f = await measuredPublish(ctx, servers, {
      proto: kind,
      port: servers[0]!.port,
      durationMs: seconds * 1000,
      rate,
      batch: 1,
      inflight: 1,
      payloadBytes: 100,
      channel: 'latency',
      users: clients,
      fanout: clients,
    });
    ctx.log(
      `  ${LABEL[kind]} ${cross ? 'cross-node' : 'single node'}: p50 ${fmt(f.latency.p50, 2)} ms, p99 ${fmt(f.latency.p99, 2)} ms`,
    );
    return f;
  } finally {
    await ctx.load.run({ type: 'close' });
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export async function latency(ctx: ScenarioContext): Promise<ScenarioResult> {
  const clients = size(ctx, 'clients', 1000, 200);
  const rate = size(ctx, 'rate', 100, 100);
  const seconds = size(ctx, 'seconds', 10, 2);
  const redis = await startRedis();
  const rows: string[][] = [];
  const figures: ScenarioResult['figures'] = {};
  const got: Record<string, RunFigures> = {};
  try {
    for (const cross of [false, true]) {
      for (const kind of KINDS) {
        const f = await runOn(ctx, kind, cross, clients, rate, seconds, redis.url);
        const key = `${kind}-${cross ? 'cross' : 'single'}` as const;
        got[key] = f;
        figures[key] = asRecord(f);
        rows.push([
          cross ? 'cross node' : 'single node',
          LABEL[kind],
          `${fmt(f.deliveries)}${f.deliveries < f.expected ? ` (of ${fmt(f.expected)})` : ''}`,
          fmt(f.latency.p50, 2),
          fmt(f.latency.p99, 2),
          fmt(f.latency.max, 1),
          fmt(f.usPerDelivery, 2),
        ]);
      }
      const sb = got[`switchboard-${cross ? 'cross' : 'single'}`]!;
      const sio = got[`socketio-${cross ? 'cross' : 'single'}`]!;
      rows.push([
        '',
        'ratio Switchboard/socket.io',
        '',
        ratio(sb.latency.p50, sio.latency.p50),
        ratio(sb.latency.p99, sio.latency.p99),
        '',
        ratio(sb.usPerDelivery, sio.usPerDelivery),
      ]);
    }
    // The same steady load to a single subscriber: what this machine and harness add by themselves.
    const floor = await runOn(ctx, 'switchboard', false, 1, rate, seconds, redis.url);
    got['switchboard-floor'] = floor;
    figures['switchboard-floor'] = asRecord(floor);
    rows.push([
      'single node, 1 subscriber',
      LABEL.switchboard,
      fmt(floor.deliveries),
      fmt(floor.latency.p50, 2),
      fmt(floor.latency.p99, 2),
      fmt(floor.latency.max, 1),
      fmt(floor.usPerDelivery, 2),
    ]);
  } finally {
    await redis.stop();
  }
  const floor = got['switchboard-floor']!;
  const single = got['switchboard-single']!;
  const cross = got['switchboard-cross']!;
  return {
    name: 'latency',
    title: 'Latency at a steady rate',
    params: { clients, 'publications/s': rate, seconds, 'payload bytes': 100 },
    columns: ['topology', 'server', 'deliveries', 'p50 ms', 'p99 ms', 'max ms', 'CPU µs/delivery'],
    rows,
    targets: [
      {
        text: 'single node p99 < 5 ms',
        met: single.latency.p99 < 5,
        figure: `${fmt(single.latency.p99, 2)} ms`,
      },
      {
        text: 'cross node p99 < 10 ms',
        met: cross.latency.p99 < 10,
        figure: `${fmt(cross.latency.p99, 2)} ms`,
      },
    ],
    chart: [
      {
        label: 'p99 single',
        unit: 'ms (lower better)',
        switchboard: single.latency.p99,
        socketio: got['socketio-single']!.latency.p99,
      },
      {
        label: 'p99 cross',
        unit: 'ms (lower better)',
        switchboard: cross.latency.p99,
        socketio: got['socketio-cross']!.latency.p99,
      },
    ],
    notes: [
      `${clients} subscribers at ${rate}/s are ${fmt(clients * rate)} WebSocket frames per second into one load-generator process sharing the machine's cores with the servers: at full size the load generator itself queues, so these latencies are upper bounds (rerun with \`--clients 100\` to see the servers' own latency).`,
      `Noise floor: the same ${rate} publications/s to one subscriber give p99 ${fmt(floor.latency.p99, 2)} ms (p50 ${fmt(floor.latency.p50, 2)} ms) — the jitter of this shared 2-core machine and of the Node HTTP publisher, which no server can go below.`,
      `Why 1,000 subscribers miss the targets here: each publication is its own event-loop turn, so every delivery is one write syscall; a loopback write costs ${fmt(single.usPerDelivery, 1)} µs of server CPU (receiver wake-up included), so one publication takes about ${fmt((single.usPerDelivery * clients) / 1000, 1)} ms to reach its last subscriber, and the load generator must parse ${fmt(clients * rate)} frames per second on the same two cores.`,
      'Latency is from the publisher stamping the payload (just before its HTTP request) to the subscriber reading it; publisher and subscribers share the load generator process and its clock.',
    ],
    figures,
  };
}
