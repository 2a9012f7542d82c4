/**
 * Throughput scenarios, each run on Switchboard and then socket.io with the same load:
 * `fanout` (one node, one channel; Switchboard with WebSocket JSON and Protobuf clients, and with
 * HTTP-streaming and SSE clients over bidirectional emulation), `cross-node`
 * (two nodes through Redis, subscribers split, publisher on node 1) and `users` (two nodes,
 * messages to random users' personal channels).
 */
import { startRedis } from '../../test/harness/redis.js';
import type { Proto } from '../load-clients.js';
import { type AnyServerKind, type BenchServer, startServer } from '../servers.js';
import {
  asRecord,
  fmt,
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

export interface Shape {
  nodes: 1 | 2;
  clients: number;
  /** Shared channel every client joins; absent: publications go to random users. */
  channel?: string;
  seconds: number;
  batch: number;
  inflight: number;
  payload: number;
  /** Most publications undelivered at once; default two rounds of requests. */
  window?: number;
}

/** One measured run: a server kind, the protocol its clients speak, and config over the defaults. */
export interface Variant {
  key: string;
  label: string;
  kind: AnyServerKind;
  proto: Proto;
  /** Switchboard: config (file format) over the benchmark defaults. */
  config?: Record<string, unknown>;
}

export const JSON_RUN: Variant = {
  key: 'switchboard',
  label: LABEL.switchboard,
  kind: 'switchboard',
  proto: 'switchboard',
};
export const PROTOBUF_RUN: Variant = {
  key: 'switchboard-protobuf',
  label: `${LABEL.switchboard} Protobuf`,
  kind: 'switchboard',
  proto: 'switchboard-protobuf',
};
export const HTTP_STREAM_RUN: Variant = {
  key: 'switchboard-http-stream',
  label: `${LABEL.switchboard} HTTP streaming`,
  kind: 'switchboard',
  proto: 'switchboard-http-stream',
};
export const SSE_RUN: Variant = {
  key: 'switchboard-sse',
  label: `${LABEL.switchboard} SSE`,
  kind: 'switchboard',
  proto: 'switchboard-sse',
};
/** What an emulation transport's deliveries per server CPU-second must reach, as a share of WebSocket JSON's. */
const STREAM_TARGET = 0.8;
export const SOCKETIO_RUN: Variant = {
  key: 'socketio',
  label: LABEL.socketio,
  kind: 'socketio',
  proto: 'socketio',
};
/** Centrifugo v6.9.1 with the load generator's JSON clients (the same protocol). */
export const CENTRIFUGO_RUN: Variant = {
  key: 'centrifugo',
  label: LABEL.centrifugo,
  kind: 'centrifugo',
  proto: 'switchboard',
};
/** What Switchboard's deliveries per server CPU-second must reach against Centrifugo's. */
const CENTRIFUGO_TARGET = 1;

/** Starts the nodes of one kind, connects the clients, publishes, and tears everything down. */
export async function runOn(
  ctx: ScenarioContext,
  { kind, proto, label, config }: Variant,
  shape: Shape,
  redisUrl: string | undefined,
): Promise<RunFigures> {
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < shape.nodes; i++) {
      servers.push(
        await startServer(kind, {
          name: `bench-${i + 1}`,
          ...(redisUrl ? { redisUrl } : {}),
          ...(config ? { config } : {}),
        }),
      );
    }
    const connected = await ctx.load.run({
      type: 'connect',
      group: 'clients',
      proto,
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
      proto,
      port: servers[0]!.port,
      durationMs: shape.seconds * 1000,
      rate: 0,
      batch: shape.batch,
      inflight: shape.inflight,
      ...(shape.window === undefined ? {} : { window: shape.window }),
      payloadBytes: shape.payload,
      ...(shape.channel ? { channel: shape.channel } : {}),
      users: shape.clients,
      fanout: shape.channel ? shape.clients : 1,
    });
    ctx.log(
      `  ${label}: ${fmt(figures.perSecond)} deliveries/s, ${fmt(figures.perCpuSecond)} per CPU-s, p99 ${fmt(figures.latency.p99, 2)} ms`,
    );
    return figures;
  } finally {
    await ctx.load.run({ type: 'close' });
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Runs the variants one after the other with the same load, keyed by variant. */
async function compare(
  ctx: ScenarioContext,
  shape: Shape,
  variants: readonly Variant[],
): Promise<Map<string, RunFigures>> {
  const redis = shape.nodes > 1 ? await startRedis() : undefined;
  try {
    const out = new Map<string, RunFigures>();
    for (const v of variants) out.set(v.key, await runOn(ctx, v, shape, redis?.url));
    return out;
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
    /** Also run Switchboard with Protobuf clients, and compare it with JSON. */
    protobuf?: boolean;
    /** Also run Switchboard with HTTP-streaming and SSE clients, and compare them with WebSocket JSON. */
    streams?: boolean;
    /** Also run Centrifugo, with a target of at least its deliveries per server CPU-second. */
    centrifugo?: boolean;
  },
): Promise<ScenarioResult> {
  const variants = [
    JSON_RUN,
    ...(about.protobuf ? [PROTOBUF_RUN] : []),
    ...(about.streams ? [HTTP_STREAM_RUN, SSE_RUN] : []),
    SOCKETIO_RUN,
    ...(about.centrifugo ? [CENTRIFUGO_RUN] : []),
  ];
  const got = await compare(ctx, shape, variants);
  const sb = got.get('switchboard')!;
  const sio = got.get('socketio')!;
  const pb = got.get('switchboard-protobuf');
  const r = sb.perCpuSecond / sio.perCpuSecond;
  const { target } = about;
  const targets: ScenarioResult['targets'] = target
    ? [{ text: target.text, met: r >= target.ratio, figure: `${r.toFixed(2)}×` }]
    : [];
  const jsonLabel = about.streams ? `${JSON_RUN.label} WebSocket JSON` : `${JSON_RUN.label} JSON`;
  const rows = variants.map((v) =>
    throughputRow(v.key === 'switchboard' && variants.length > 2 ? jsonLabel : v.label, got.get(v.key)!),
  );
  rows.push(ratioRow(sb, sio, variants.length > 2 ? `ratio ${jsonLabel}/socket.io` : undefined));
  const cf = got.get(CENTRIFUGO_RUN.key);
  if (cf) {
    rows.push(ratioRow(sb, cf, `ratio ${jsonLabel}/Centrifugo`));
    const c = sb.perCpuSecond / cf.perCpuSecond;
    targets.push({
      text: `${about.label}: deliveries per server CPU-second ≥ Centrifugo's (same run)`,
      met: c >= CENTRIFUGO_TARGET,
      figure: `${c.toFixed(2)}×`,
    });
  }
  const chart: ScenarioResult['chart'] = [
    {
      label: about.label,
      unit: 'deliveries per CPU-s',
      switchboard: sb.perCpuSecond,
      socketio: sio.perCpuSecond,
    },
  ];
  if (pb) {
    rows.push(ratioRow(pb, sb, 'ratio Protobuf/JSON'));
    const p = pb.perCpuSecond / sb.perCpuSecond;
    targets.push({
      text: `${about.label}: Protobuf deliveries per server CPU-second ≥ JSON (same run)`,
      met: p >= 1,
      figure: `${p.toFixed(2)}×`,
    });
    chart.push({
      label: `${about.label} (Protobuf)`,
      unit: 'deliveries per CPU-s',
      switchboard: pb.perCpuSecond,
      socketio: sio.perCpuSecond,
    });
  }
  for (const [v, name] of [
    [HTTP_STREAM_RUN, 'HTTP streaming'],
    [SSE_RUN, 'SSE'],
  ] as const) {
    const f = got.get(v.key);
    if (f === undefined) continue;
    rows.push(ratioRow(f, sb, `ratio ${name}/WebSocket JSON`));
    const q = f.perCpuSecond / sb.perCpuSecond;
    targets.push({
      text: `${about.label}: ${name} deliveries per server CPU-second ≥ ${STREAM_TARGET * 100}% of WebSocket JSON (same run)`,
      met: q >= STREAM_TARGET,
      figure: `${q.toFixed(2)}×`,
    });
  }
  return {
    name: about.name,
    title: about.title,
    params: params(shape),
    columns: THROUGHPUT_COLUMNS,
    rows,
    targets,
    chart,
    ...(about.notes ? { notes: about.notes } : {}),
    figures: Object.fromEntries([...got].map(([key, f]) => [key, asRecord(f)])),
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
      target: {
        text: 'fan-out, 10 publications per request: deliveries per server CPU-second ≥ 10× socket.io',
        ratio: 10,
      },
      protobuf: true,
      streams: true,
      centrifugo: true,
      notes: [
        'Switchboard runs four times with the same load: WebSocket JSON clients, then Protobuf clients (`centrifuge-protobuf` subprotocol, binary frames of length-delimited `Reply`s), then HTTP-streaming and SSE clients (JSON over bidirectional emulation, below); the publisher is the same JSON server API, and the Protobuf publication carries the same JSON text as its data bytes. The five runs are one after the other in one benchmark run, so the ratios compare like with like; on a shared 2-core machine they still move by several percent between benchmark runs (the load generator shares the cores with the server).',
        'HTTP-streaming clients `POST /connection/http_stream` with the JSON connect command and read one JSON message per line of the chunked response; SSE clients `GET /connection/sse?cf_connect=<connect>` and read `data:` lines. Both send their subscribe (and would send pongs) as `POST /emulation` requests with the session and node of the connect reply, as the `centrifuge` JS SDK does, and count publications by the send-time stamp in each chunk of complete lines, as the WebSocket JSON clients do per frame.',
        "Where the streams spend their extra CPU (`BENCH_SERVER_ARGS=--cpu-prof`, self time per delivery against WebSocket JSON): the write syscalls cost more, since every flush of an HTTP-streaming session goes through `ServerResponse` as two corked writes (the frames, then `\\n`), each chunk-framed by Node (size in hex, CRLF, data, CRLF), so one `writev` carries eight buffers where a WebSocket flush writes one or two; Node's outgoing-message and stream machinery (`_http_outgoing`, write callbacks, `nextTick`) adds about as much again; SSE rebuilds every flush into events (`Buffer.concat` of the joined frames split at each newline, a second copy of every byte), about 0.6 µs per delivery in the profile. The fan-out itself (hub, queues, encode once) is the same code for every transport.",
      ],
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
      target: {
        text: 'cross-node, 10 publications per request: deliveries per server CPU-second (both nodes) ≥ 4× socket.io',
        ratio: 4,
      },
      centrifugo: true,
      notes: [
        'Server CPU is the sum over both nodes; Redis CPU is not included. Centrifugo runs its Redis engine on the same Redis.',
      ],
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
