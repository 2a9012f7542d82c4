/**
 * Throughput scenarios, each run on Switchboard and then socket.io with the same load:
 * `fanout` (one node, one channel), `cross-node` (two nodes through Redis, subscribers split,
 * publisher on node 1) and `users` (two nodes, messages to random users' personal channels).
 */
import { startRedis } from '../../test/harness/redis.js';
import { type BenchServer, type ServerKind, startServer } from '../servers.js';
import {
  asRecord,
  fmt,
  KINDS,
  LABEL,
  measuredPublish,
  type RunFigures,
  ratioRow,
  type ScenarioContext,
  type ScenarioResult,
  size,
  THROUGHPUT_COLUMNS,
  throughputRow,
} from './common.js';

interface Shape {
  nodes: 1 | 2;
  clients: number;
  /** Shared channel every client joins; absent: publications go to random users. */
  channel?: string;
  seconds: number;
  batch: number;
  inflight: number;
  payload: number;
}

/** Starts the nodes of one kind, connects the clients, publishes, and tears everything down. */
async function runOn(
  ctx: ScenarioContext,
  kind: ServerKind,
  shape: Shape,
  redisUrl: string | undefined,
): Promise<RunFigures> {
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < shape.nodes; i++) {
      servers.push(await startServer(kind, { name: `bench-${i + 1}`, ...(redisUrl ? { redisUrl } : {}) }));
    }
    const connected = await ctx.load.run({
      type: 'connect',
      group: 'clients',
      proto: kind,
      ports: servers.map((s) => s.port),
      count: shape.clients,
      first: 0,
      tokens: true,
      ...(shape.channel ? { channel: shape.channel } : {}),
      concurrency: 100,
    });
    if (connected.failed > 0)
      throw new Error(`${kind}: ${connected.failed} clients failed: ${connected.firstError}`);
    // Cross-node subscriptions reach Redis asynchronously: let them settle before measuring.
    if (shape.nodes > 1) await new Promise((r) => setTimeout(r, 300));
    const figures = await measuredPublish(ctx, servers, {
      proto: kind,
      port: servers[0]!.port,
      durationMs: shape.seconds * 1000,
      rate: 0,
      batch: shape.batch,
      inflight: shape.inflight,
      payloadBytes: shape.payload,
      ...(shape.channel ? { channel: shape.channel } : {}),
      users: shape.clients,
      fanout: shape.channel ? shape.clients : 1,
    });
    ctx.log(
      `  ${LABEL[kind]}: ${fmt(figures.perSecond)} deliveries/s, ${fmt(figures.perCpuSecond)} per CPU-s, p99 ${fmt(figures.latency.p99, 2)} ms`,
    );
    return figures;
  } finally {
    await ctx.load.run({ type: 'close' });
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function compare(
  ctx: ScenarioContext,
  shape: Shape,
): Promise<{ sb: RunFigures; sio: RunFigures; figures: ScenarioResult['figures'] }> {
  const redis = shape.nodes > 1 ? await startRedis() : undefined;
  try {
    const out: Partial<Record<(typeof KINDS)[number], RunFigures>> = {};
    for (const kind of KINDS) out[kind] = await runOn(ctx, kind, shape, redis?.url);
    const sb = out.switchboard!;
    const sio = out.socketio!;
    return { sb, sio, figures: { switchboard: asRecord(sb), socketio: asRecord(sio) } };
  } finally {
    await redis?.stop();
  }
}

function shapeOf(ctx: ScenarioContext, nodes: 1 | 2, clients: [number, number], batch: number): Shape {
  return {
    nodes,
    clients: size(ctx, 'clients', ...clients),
    seconds: size(ctx, 'seconds', 10, 2),
    batch: size(ctx, 'batch', batch, batch),
    inflight: size(ctx, 'inflight', 4, 4),
    payload: size(ctx, 'payload', 100, 100),
  };
}

const params = (s: Shape): Record<string, number | string> => ({
  nodes: s.nodes,
  clients: s.clients,
  seconds: s.seconds,
  'requests in flight': s.inflight,
  'publications per request': s.batch,
  'payload bytes': s.payload,
});

/**
 * A throughput scenario's result: the side-by-side table, one chart bar, and the target (the ratio of
 * deliveries per server CPU-second it must reach), when it has one.
 */
async function throughputScenario(
  ctx: ScenarioContext,
  shape: Shape,
  about: {
    name: string;
    label: string;
    title: string;
    target?: { text: string; ratio: number };
    notes?: string[];
  },
): Promise<ScenarioResult> {
  const { sb, sio, figures } = await compare(ctx, shape);
  const r = sb.perCpuSecond / sio.perCpuSecond;
  const { target } = about;
  return {
    name: about.name,
    title: about.title,
    params: params(shape),
    columns: THROUGHPUT_COLUMNS,
    rows: [throughputRow('Switchboard', sb), throughputRow('socket.io', sio), ratioRow(sb, sio)],
    targets: target ? [{ text: target.text, met: r >= target.ratio, figure: `${r.toFixed(2)}×` }] : [],
    chart: [
      {
        label: about.label,
        unit: 'deliveries per CPU-s',
        switchboard: sb.perCpuSecond,
        socketio: sio.perCpuSecond,
      },
    ],
    ...(about.notes ? { notes: about.notes } : {}),
    figures,
  };
}

/** One node, every client on one channel. */
export function fanout(ctx: ScenarioContext): Promise<ScenarioResult> {
  return throughputScenario(
    ctx,
    { ...shapeOf(ctx, 1, [1000, 200], 10), channel: 'bench' },
    {
      name: 'fanout',
      label: 'fan-out',
      title: 'Fan-out: one node, one channel',
      target: { text: 'deliveries per server CPU-second ≥ 5× socket.io', ratio: 5 },
    },
  );
}

/** Two nodes through Redis, clients split between them, publisher on node 1. */
export function crossNode(ctx: ScenarioContext): Promise<ScenarioResult> {
  return throughputScenario(
    ctx,
    { ...shapeOf(ctx, 2, [1000, 200], 10), channel: 'bench' },
    {
      name: 'cross-node',
      label: 'cross-node',
      title: 'Cross-node fan-out: two nodes through Redis',
      target: { text: 'deliveries per server CPU-second (both nodes) ≥ 4× socket.io', ratio: 4 },
      notes: ['Server CPU is the sum over both nodes; Redis CPU is not included.'],
    },
  );
}

/** Two nodes, one connection per user, each publication to a random user's personal channel. */
export function users(ctx: ScenarioContext): Promise<ScenarioResult> {
  return throughputScenario(ctx, shapeOf(ctx, 2, [5000, 200], 100), {
    name: 'users',
    label: 'users',
    title: 'Personal channels: messages to random users over two nodes',
    notes: [
      'Switchboard subscribes each personal channel in Redis; the socket.io Redis adapter sends every broadcast to every node, which filters by room.',
    ],
  });
}
