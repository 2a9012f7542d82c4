/**
 * Steady-rate latency: 100 publications/s to 1,000 subscribers, on one node and across two nodes,
 * for Switchboard (by default and with `client.write_delay`), socket.io and Centrifugo.
 */
import { startRedis } from '../../test/harness/redis.js';
import type { Proto } from '../load-clients.js';
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

/** One measured server: a kind, and for Switchboard an optional config over the defaults. */
interface Variant {
  /** Figures key prefix (`<key>-single`, `<key>-cross`). */
  key: 'switchboard' | 'socketio' | 'centrifugo' | 'switchboard-write-delay';
  label: string;
  kind: ServerKind | 'centrifugo';
  config?: Record<string, unknown>;
}

/** Frames held this long so each connection writes once per window (opt-in `client.write_delay`). */
const WRITE_DELAY = '5ms';

const VARIANTS: readonly Variant[] = [
  ...KINDS.map((kind) => ({ key: kind, label: LABEL[kind], kind })),
  { key: 'centrifugo', label: LABEL.centrifugo, kind: 'centrifugo' },
  {
    key: 'switchboard-write-delay',
    label: `${LABEL.switchboard} (write_delay ${WRITE_DELAY})`,
    kind: 'switchboard',
    config: { client: { write_delay: WRITE_DELAY } },
  },
];

/** Centrifugo takes the Switchboard JSON clients and publish requests unchanged. */
const protoOf = (kind: Variant['kind']): Proto => (kind === 'centrifugo' ? 'switchboard' : kind);

const DEFAULT: Variant = VARIANTS[0]!;

async function runOn(
  ctx: ScenarioContext,
  { kind, label, config }: Variant,
  cross: boolean,
  clients: number,
  rate: number,
  seconds: number,
  redisUrl: string,
): Promise<RunFigures> {
  const servers: BenchServer[] = [];
  try {
    const opts = { ...(cross ? { redisUrl } : {}), ...(config ? { config } : {}) };
    const proto = protoOf(kind);
    servers.push(await startServer(kind, { name: 'bench-1', ...opts }));
    if (cross) servers.push(await startServer(kind, { name: 'bench-2', ...opts }));
    const connected = await ctx.load.run({
      type: 'connect',
      group: 'clients',
      proto,
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
      proto,
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
      `  ${label} ${cross ? 'cross-node' : 'single node'}: p50 ${fmt(f.latency.p50, 2)} ms, p99 ${fmt(f.latency.p99, 2)} ms`,
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
      const topology = cross ? 'cross' : 'single';
      for (const v of VARIANTS) {
        const f = await runOn(ctx, v, cross, clients, rate, seconds, redis.url);
        const key = `${v.key}-${topology}` as const;
        got[key] = f;
        figures[key] = asRecord(f);
        rows.push([
          cross ? 'cross node' : 'single node',
          v.label,
          `${fmt(f.deliveries)}${f.deliveries < f.expected ? ` (of ${fmt(f.expected)})` : ''}`,
          fmt(f.latency.p50, 2),
          fmt(f.latency.p99, 2),
          fmt(f.latency.max, 1),
          fmt(f.usPerDelivery, 2),
        ]);
      }
      const sb = got[`switchboard-${topology}`]!;
      const ratioRow = (label: string, a: RunFigures, b: RunFigures) => [
        '',
        label,
        '',
        ratio(a.latency.p50, b.latency.p50),
        ratio(a.latency.p99, b.latency.p99),
        '',
        ratio(a.usPerDelivery, b.usPerDelivery),
      ];
      rows.push(
        ratioRow('ratio Switchboard/socket.io', sb, got[`socketio-${topology}`]!),
        ratioRow('ratio Switchboard/Centrifugo', sb, got[`centrifugo-${topology}`]!),
        ratioRow(
          `ratio Switchboard write_delay ${WRITE_DELAY}/default`,
          got[`switchboard-write-delay-${topology}`]!,
          sb,
        ),
      );
    }
    // The same steady load to a single subscriber: what this machine and harness add by themselves.
    const floor = await runOn(ctx, DEFAULT, false, 1, rate, seconds, redis.url);
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
  /** How much later write_delay's median delivery arrives than the default's, signed. */
  const delayed = (topology: string): string => {
    const d =
      got[`switchboard-write-delay-${topology}`]!.latency.p50 - got[`switchboard-${topology}`]!.latency.p50;
    return `${d >= 0 ? '+' : '−'}${fmt(Math.abs(d), 2)}`;
  };
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
      'Centrifugo v6.9.1 runs as its Go binary (bench/centrifugo-server.ts: HS256 JWT with the same secret, personal channel subscription on, channels without a namespace open to client subscription): memory engine on one node, its Redis engine on the same Redis across two (`engine.type: redis`, subscribers on node 2, publisher on node 1). Its subscribers are the Switchboard JSON clients unchanged and the publisher sends the same `POST /api/publish`. Its CPU µs/delivery counts every thread of the process from /proc, and Go spreads the work over both cores.',
      `${LABEL.switchboard} (write_delay ${WRITE_DELAY}): the same node with the opt-in \`client.write_delay: ${WRITE_DELAY}\` (default 0): the first frame queued on the node opens a ${WRITE_DELAY} window and every connection writes what it got during it in one go. At ${rate} publications/s a window mostly holds one publication, whose deliveries are already one write per connection by default, so this run shows the setting's latency cost (p50 ${delayed('single')} ms against the default on one node, ${delayed('cross')} ms across two, in this run), not its gain, which comes when connections get several messages per window.`,
    ],
    figures,
  };
}
