/**
 * The workload business services create: one publication per `POST /api/publish`, from several
 * publishers at once (8 kept-alive connections, at most 20 publications undelivered), to 1,000
 * subscribers of one channel. Every server of the comparison runs it in the same benchmark run,
 * in interleaved rounds so that a noisy moment of the shared machine falls on all of them:
 * Switchboard over each transport and with `client.write_delay`, socket.io, Centrifugo, and two
 * write-path floors (plain `ws` servers doing nothing but the writes). On one node and on two
 * nodes over Redis.
 */
import { startRedis } from '../../test/harness/redis.js';
import {
  asRecord,
  LABEL,
  type RunFigures,
  ratioRow,
  type ScenarioContext,
  type ScenarioResult,
  size,
  THROUGHPUT_COLUMNS,
  throughputRow,
} from './common.js';
import {
  CENTRIFUGO_RUN,
  HTTP_STREAM_RUN,
  JSON_RUN,
  PROTOBUF_RUN,
  runOn,
  type Shape,
  SOCKETIO_RUN,
  SSE_RUN,
  type Variant,
} from './throughput.js';

/** The opt-in write window measured beside the default. */
const WRITE_DELAY = '5ms';
const DELAY_RUN: Variant = {
  key: 'switchboard-write-delay',
  label: `${LABEL.switchboard} JSON, write_delay ${WRITE_DELAY}`,
  kind: 'switchboard',
  proto: 'switchboard',
  config: { client: { write_delay: WRITE_DELAY } },
};
const CENTRIFUGO_PROTOBUF_RUN: Variant = {
  key: 'centrifugo-protobuf',
  label: `${LABEL.centrifugo} Protobuf`,
  kind: 'centrifugo',
  proto: 'switchboard-protobuf',
};
const FLOOR_RAW_RUN: Variant = {
  key: 'floor-raw',
  label: LABEL['floor-raw'],
  kind: 'floor-raw',
  proto: 'ws',
};
const FLOOR_BATCHED_RUN: Variant = {
  key: 'floor-batched',
  label: LABEL['floor-batched'],
  kind: 'floor-batched',
  proto: 'ws',
};

/** Goals of the one-publication-per-request workload. */
const SOCKETIO_TARGET = { one: 5, two: 4 };
const FLOOR_TARGET = 0.85;

/** One variant's rounds as one run: totals over the rounds; latency percentiles averaged. */
function combine(runs: RunFigures[]): RunFigures {
  const sum = (f: (r: RunFigures) => number) => runs.reduce((n, r) => n + f(r), 0);
  const deliveries = sum((r) => r.deliveries);
  const cpu = sum((r) => r.cpu);
  const seconds = sum((r) => r.seconds);
  const writes = sum((r) => (r.perWrite > 0 ? r.deliveries / r.perWrite : 0));
  const mean = (f: (r: RunFigures) => number) => sum(f) / runs.length;
  return {
    deliveries,
    expected: sum((r) => r.expected),
    seconds,
    perSecond: deliveries / seconds,
    cpu,
    perCpuSecond: deliveries / cpu,
    usPerDelivery: (cpu * 1e6) / Math.max(1, deliveries),
    latency: {
      ...runs[0]!.latency,
      p50: mean((r) => r.latency.p50),
      p99: mean((r) => r.latency.p99),
      max: Math.max(...runs.map((r) => r.latency.max)),
    },
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    perWrite: writes > 0 ? deliveries / writes : 0,
  };
}

/** Runs every variant once per round, in the same order each round; keyed by variant. */
async function rounds(
  ctx: ScenarioContext,
  shape: Shape,
  variants: readonly Variant[],
  count: number,
): Promise<Map<string, RunFigures>> {
  const redis = shape.nodes > 1 ? await startRedis() : undefined;
  try {
    const runs = new Map<string, RunFigures[]>(variants.map((v) => [v.key, []]));
    for (let round = 1; round <= count; round++) {
      ctx.log(` round ${round} of ${count}`);
      for (const v of variants) runs.get(v.key)!.push(await runOn(ctx, v, shape, redis?.url));
    }
    return new Map([...runs].map(([key, r]) => [key, combine(r)]));
  } finally {
    await redis?.stop();
  }
}

function shapeOf(ctx: ScenarioContext, nodes: 1 | 2): Shape {
  return {
    nodes,
    clients: size(ctx, 'clients', 1000, 200),
    channel: 'bench',
    seconds: size(ctx, 'seconds', 10, 2),
    batch: 1,
    inflight: size(ctx, 'inflight', 8, 8),
    window: size(ctx, 'window', 20, 20),
    payload: size(ctx, 'payload', 100, 100),
  };
}

const params = (s: Shape, count: number): Record<string, number | string> => ({
  nodes: s.nodes,
  clients: s.clients,
  'seconds per round': s.seconds,
  rounds: count,
  'publications per request': 1,
  'requests in flight': s.inflight,
  'publications undelivered at most': s.window ?? 0,
  'payload bytes': s.payload,
});

function target(text: string, value: number, goal: number): ScenarioResult['targets'][number] {
  return { text, met: value >= goal, figure: `${value.toFixed(2)}×` };
}

const NOTES = [
  'Each publication is its own `POST /api/publish` (socket.io: `POST /publish` with one publication, emitted to the room) over 8 kept-alive connections, and a publisher waits while 20 publications are not yet delivered everywhere, so the servers’ queues stay short, as in a service publishing events as they happen. Rounds interleave the servers (every server once per round, same order), and the table sums them: deliveries and CPU-seconds are totals, p50/p99 the mean over rounds.',
  'Server CPU is the kernel’s accounting of each server process (`/proc/<pid>/stat`, user + system, every thread: Go’s scheduler and GC threads count for Centrifugo, libuv’s for Node), so a server that spreads over both cores pays for both. `deliveries/write` divides deliveries by the write-type system calls of the server processes (`syscw` of `/proc/<pid>/io`): the batching a server achieves, which decides most of its cost, since on loopback each write carries the receiver’s TCP work too.',
  'The floors are plain `ws` servers that do nothing but deliver (no tokens, no channels, no protocol): `floor: one write per delivery` builds each publication’s frame once and writes it to every socket; `floor: batched per turn` joins a turn’s publications into one frame, built once for the room, and writes that buffer to every socket. Switchboard builds a frame once per publication and encoding, and a flush’s connections with the same queue share one framed buffer.',
  'Centrifugo v6.9.1 (built from the Go module proxy by `scripts/install-centrifugo.sh`) runs with its defaults but for: HS256 JWTs with the benchmark secret, `allow_subscribe_for_client` and `allow_user_limited_channels` without namespace, the personal channel subscribed at connect (as Switchboard does by default), `queue_max_size` 1 MiB (Switchboard’s default), an API without a key, log level error, and on two nodes its Redis engine on the same Redis. Its clients are the same raw JSON (and Protobuf) clients as Switchboard’s. GOMAXPROCS is Go’s default (both cores).',
  'Where the node’s CPU goes in this workload (`BENCH_SERVER_ARGS=--cpu-prof`, samples while publishing, one node, JSON): the write system calls (`writeBuffer`/`writev`) 74% of busy time, Node’s stream machinery around them (`Socket._write`, `createWriteWrap`, `onwrite`) about 5%, the flush itself 3%, the hub’s fan-out 3%, the HTTP API request and the publish 5%, GC 1%. The write count is what is left to win, and it is set by how many publications reach a connection per event-loop turn (`deliveries/write`); the opt-in `client.write_delay` raises it. Before connections of a flush shared their framed bytes, each one joined its frames and copied them again behind the WebSocket header, and the flush’s own JS was 12% of busy time.',
  `\`client.write_delay: ${WRITE_DELAY}\` is Switchboard’s opt-in write window (Centrifugo PRO has the key): every connection writes what it got in the window once. Its latency cost at a steady rate is in the latency scenario.`,
];

/** One node: every server and transport side by side. */
export async function perRequest(ctx: ScenarioContext): Promise<ScenarioResult> {
  const shape = shapeOf(ctx, 1);
  const count = size(ctx, 'rounds', 2, 1);
  const variants = [
    JSON_RUN,
    FLOOR_BATCHED_RUN,
    SOCKETIO_RUN,
    CENTRIFUGO_RUN,
    PROTOBUF_RUN,
    CENTRIFUGO_PROTOBUF_RUN,
    HTTP_STREAM_RUN,
    SSE_RUN,
    DELAY_RUN,
    FLOOR_RAW_RUN,
  ];
  const got = await rounds(ctx, shape, variants, count);
  const f = (v: Variant) => got.get(v.key)!;
  const sb = f(JSON_RUN);
  const r = (v: Variant) => sb.perCpuSecond / f(v).perCpuSecond;
  const label = (v: Variant) => (v === JSON_RUN ? `${LABEL.switchboard} JSON` : v.label);
  return {
    name: 'per-request',
    title: 'Fan-out, one publication per request: one node',
    params: params(shape, count),
    columns: THROUGHPUT_COLUMNS,
    rows: [
      ...variants.map((v) => throughputRow(label(v), f(v))),
      ratioRow(sb, f(SOCKETIO_RUN), 'ratio Switchboard JSON/socket.io'),
      ratioRow(sb, f(FLOOR_BATCHED_RUN), 'ratio Switchboard JSON/floor batched per turn'),
      ratioRow(sb, f(CENTRIFUGO_RUN), 'ratio Switchboard JSON/Centrifugo JSON'),
      ratioRow(f(PROTOBUF_RUN), f(CENTRIFUGO_PROTOBUF_RUN), 'ratio Switchboard Protobuf/Centrifugo Protobuf'),
      ratioRow(f(DELAY_RUN), sb, `ratio write_delay ${WRITE_DELAY}/default`),
    ],
    targets: [
      target(
        `per request: deliveries per server CPU-second ≥ ${SOCKETIO_TARGET.one}× socket.io`,
        r(SOCKETIO_RUN),
        SOCKETIO_TARGET.one,
      ),
      target(
        `per request: deliveries per server CPU-second ≥ ${FLOOR_TARGET * 100}% of the batched-frame floor (same run)`,
        r(FLOOR_BATCHED_RUN),
        FLOOR_TARGET,
      ),
      target('per request: deliveries per server CPU-second ≥ Centrifugo’s (same run)', r(CENTRIFUGO_RUN), 1),
    ],
    chart: [
      {
        label: 'per request',
        unit: 'deliveries per CPU-s',
        switchboard: sb.perCpuSecond,
        socketio: f(SOCKETIO_RUN).perCpuSecond,
      },
    ],
    notes: NOTES,
    figures: Object.fromEntries([...got].map(([key, v]) => [key, asRecord(v)])),
  };
}

/** Two nodes over Redis: subscribers split, the publisher on node 1. */
export async function perRequestCrossNode(ctx: ScenarioContext): Promise<ScenarioResult> {
  const shape = shapeOf(ctx, 2);
  const count = size(ctx, 'rounds', 2, 1);
  const variants = [JSON_RUN, SOCKETIO_RUN, CENTRIFUGO_RUN, DELAY_RUN];
  const got = await rounds(ctx, shape, variants, count);
  const f = (v: Variant) => got.get(v.key)!;
  const sb = f(JSON_RUN);
  const r = (v: Variant) => sb.perCpuSecond / f(v).perCpuSecond;
  return {
    name: 'per-request-cross-node',
    title: 'Fan-out, one publication per request: two nodes over Redis',
    params: params(shape, count),
    columns: THROUGHPUT_COLUMNS,
    rows: [
      ...variants.map((v) => throughputRow(v === JSON_RUN ? `${LABEL.switchboard} JSON` : v.label, f(v))),
      ratioRow(sb, f(SOCKETIO_RUN), 'ratio Switchboard/socket.io + Redis adapter'),
      ratioRow(sb, f(CENTRIFUGO_RUN), 'ratio Switchboard/Centrifugo'),
      ratioRow(f(DELAY_RUN), sb, `ratio write_delay ${WRITE_DELAY}/default`),
    ],
    targets: [
      target(
        `per request, two nodes: deliveries per server CPU-second ≥ ${SOCKETIO_TARGET.two}× socket.io + Redis adapter`,
        r(SOCKETIO_RUN),
        SOCKETIO_TARGET.two,
      ),
      target(
        'per request, two nodes: deliveries per server CPU-second ≥ Centrifugo’s (same run)',
        r(CENTRIFUGO_RUN),
        1,
      ),
    ],
    chart: [
      {
        label: 'per request, 2 nodes',
        unit: 'deliveries per CPU-s',
        switchboard: sb.perCpuSecond,
        socketio: f(SOCKETIO_RUN).perCpuSecond,
      },
    ],
    notes: [
      'Server CPU is the sum over both nodes (Redis not included). Subscribers are split between the nodes; every publication reaches the other node through Redis (socket.io: the Redis adapter’s broadcast to every node; Centrifugo and Switchboard: a channel subscribed on the nodes with subscribers).',
    ],
    figures: Object.fromEntries([...got].map(([key, v]) => [key, asRecord(v)])),
  };
}
