/**
 * Queue consumers (Switchboard only): publications ingested from Kafka and from Redis Streams into
 * a channel with 100 subscribers, against the HTTP server API path with the same subscribers.
 * One node (memory engine) consuming a Kafka topic and a Redis stream; the brokers, the node and
 * the load process (subscribers and the three producers) each in their own process.
 */

import { type KafkaBroker, startKafka } from '../../test/harness/kafka.js';
import { type RedisServer, startRedis } from '../../test/harness/redis.js';
import { readCpu } from '../ingest-procs.js';
import {
  type IngestLatency,
  type IngestLoad,
  type IngestPath,
  type IngestRunResult,
  startIngestLoad,
} from '../ingest-protocol.js';
import { type BenchServer, startServer } from '../servers.js';
import { cpuSeconds } from '../stats.js';
import { fmt, type ScenarioContext, type ScenarioResult, size } from './common.js';

const CHANNEL = 'ingest';
/** A channel with one subscriber: what ingest costs with (almost) no fan-out. */
const SOLO = 'ingest-solo';
const STREAM = 'ingest';
const TOPIC = 'ingest';
const CONSUMER: Record<Exclude<IngestPath, 'http'>, string> = { kafka: 'bench_kafka', redis: 'bench_redis' };
const PATH_LABEL: Record<IngestPath, string> = {
  kafka: 'Kafka',
  redis: 'Redis Streams',
  http: 'HTTP API',
};

/** The figures of one measured run, with every process's share of the machine. */
interface Run {
  path: IngestPath;
  published: number;
  delivered: number;
  expected: number;
  /** Publications per second from the first delivery to the last. */
  perSecond: number;
  deliveriesPerSecond: number;
  /** Producer: publications per second it sent (flood: as fast as it could within the window). */
  producedPerSecond: number;
  latency: IngestLatency;
  ack: IngestLatency;
  wall: number;
  nodeCpu: number;
  loadCpu: number;
  brokerCpu: number;
  parentCpu: number;
  machineCores: number;
  /** From the node's consumer metrics over the run. */
  applied: number;
  retried: number;
  dead: number;
  /** Subscribers connected at the end (a subscriber the node dropped would show here). */
  conns: number;
}

/**
 * The one-partition topic. Unless `harnessFlush`, with `flush.messages` at Kafka's default (never
 * forced: the OS writes the page cache back) instead of the harness broker's fsync per message.
 */
async function createTopic(kafka: KafkaBroker, harnessFlush: boolean): Promise<void> {
  const admin = kafka.client.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic: TOPIC,
          numPartitions: 1,
          configEntries: harnessFlush ? [] : [{ name: 'flush.messages', value: '9223372036854775807' }],
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** `switchboard_consumer_messages_total` of each consumer and result, from the node's /metrics. */
async function consumerCounts(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const m of text.matchAll(
    /^switchboard_consumer_messages_total\{consumer="([^"]+)",result="([^"]+)"\} (\d+)/gm,
  ))
    out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  return out;
}

async function measured(
  ctx: ScenarioContext,
  server: BenchServer,
  path: IngestPath,
  run: () => Promise<IngestRunResult>,
): Promise<Run> {
  const [s0, m0] = await Promise.all([server.stats(), consumerCounts(server.port)]);
  const cpu = readCpu();
  const r = await run();
  const used = cpu.since();
  const [s1, m1] = await Promise.all([server.stats(), consumerCounts(server.port)]);
  const count = (result: string): number => {
    if (path === 'http') return 0;
    const key = `${CONSUMER[path]}/${result}`;
    return (m1.get(key) ?? 0) - (m0.get(key) ?? 0);
  };
  const span = (r.lastDeliveryAt - r.firstDeliveryAt) / 1000;
  const broker = path === 'kafka' ? 'java' : path === 'redis' ? 'redis-server' : '';
  const f: Run = {
    path,
    published: r.published,
    delivered: r.delivered,
    expected: r.expected,
    perSecond: span > 0 ? r.published / span : Number.NaN,
    deliveriesPerSecond: span > 0 ? r.delivered / span : Number.NaN,
    producedPerSecond: r.published / ((r.produceEndAt - r.produceStartAt) / 1000),
    latency: r.latency,
    ack: r.ack,
    wall: used.wall,
    nodeCpu: cpuSeconds(s0.cpu, s1.cpu),
    loadCpu: r.loadCpu,
    brokerCpu: used.children.get(broker) ?? 0,
    parentCpu: used.parentCpu,
    machineCores: used.machineCores,
    applied: count('applied'),
    retried: count('retried'),
    dead: count('dead_lettered'),
    conns: s1.conns,
  };
  if (f.delivered < f.expected)
    ctx.log(
      `  ${PATH_LABEL[path]}: only ${fmt(f.delivered)} of ${fmt(f.expected)} deliveries arrived (${f.conns} clients connected)`,
    );
  return f;
}

/** Two runs of one path as one: counts and CPU summed, rates over the summed spans; `b`'s latency (accumulated). */
function merge(a: Run, b: Run): Run {
  const spanA = a.published / a.perSecond;
  const spanB = b.published / b.perSecond;
  const span = spanA + spanB;
  const producedSeconds = a.published / a.producedPerSecond + b.published / b.producedPerSecond;
  return {
    path: a.path,
    published: a.published + b.published,
    delivered: a.delivered + b.delivered,
    expected: a.expected + b.expected,
    perSecond: (a.published + b.published) / span,
    deliveriesPerSecond: (a.delivered + b.delivered) / span,
    producedPerSecond: (a.published + b.published) / producedSeconds,
    latency: b.latency,
    ack: b.ack,
    wall: a.wall + b.wall,
    nodeCpu: a.nodeCpu + b.nodeCpu,
    loadCpu: a.loadCpu + b.loadCpu,
    brokerCpu: a.brokerCpu + b.brokerCpu,
    parentCpu: a.parentCpu + b.parentCpu,
    machineCores: (a.machineCores * a.wall + b.machineCores * b.wall) / (a.wall + b.wall),
    applied: a.applied + b.applied,
    retried: a.retried + b.retried,
    dead: a.dead + b.dead,
    conns: b.conns,
  };
}

const cores = (f: Run): string =>
  `node ${fmt(f.nodeCpu / f.wall, 2)}, load ${fmt(f.loadCpu / f.wall, 2)}${f.path === 'http' ? '' : `, ${f.path === 'kafka' ? 'Kafka' : 'Redis'} ${fmt(f.brokerCpu / f.wall, 2)}`}, machine ${fmt(f.machineCores, 2)}`;

function logRun(ctx: ScenarioContext, what: string, f: Run): void {
  ctx.log(
    `  ${what} ${PATH_LABEL[f.path]}: ${fmt(f.perSecond)} publications/s (${fmt(f.deliveriesPerSecond)} deliveries/s), p50 ${fmt(f.latency.p50, 2)} ms, p99 ${fmt(f.latency.p99, 2)} ms (producer ack p50 ${fmt(f.ack.p50, 2)}, p99 ${fmt(f.ack.p99, 2)} ms); node ${fmt((f.nodeCpu * 1e6) / Math.max(1, f.published))} µs CPU/publication; cores: ${cores(f)}`,
  );
}

const record = (f: Run): Record<string, number> => ({
  deliveries: f.delivered,
  expected: f.expected,
  published: f.published,
  perSecond: f.perSecond,
  deliveriesPerSecond: f.deliveriesPerSecond,
  producedPerSecond: f.producedPerSecond,
  p50: f.latency.p50,
  p95: f.latency.p95,
  p99: f.latency.p99,
  max: f.latency.max,
  ackP50: f.ack.p50,
  ackP99: f.ack.p99,
  nodeCpu: f.nodeCpu,
  loadCpu: f.loadCpu,
  brokerCpu: f.brokerCpu,
  wall: f.wall,
  machineCores: f.machineCores,
  applied: f.applied,
  retried: f.retried,
  deadLettered: f.dead,
});

export async function ingest(ctx: ScenarioContext): Promise<ScenarioResult> {
  const subscribers = size(ctx, 'clients', 100, 20);
  const messages = size(ctx, 'messages', 100_000, 2_000);
  const rate = size(ctx, 'rate', 1000, 200);
  // Optional: the HTTP path cannot send 10,000 requests/s on this machine (it fell to about 2,300/s).
  const highRate = size(ctx, 'high-rate', 0, 0);
  const seconds = size(ctx, 'seconds', 10, 1);
  const batch = size(ctx, 'batch', 500, 200);
  const inflight = size(ctx, 'inflight', 4, 4);
  const window = size(ctx, 'window', 5_000, 2_000);
  // Kafka's JVM takes 10-30 s to start on this machine: not part of --quick unless asked for.
  const withKafka = size(ctx, 'kafka', 1, 0) > 0;
  // The harness's broker fsyncs its log after every message (for its crash tests); the topic
  // overrides that with Kafka's default (no forced flush) unless `--kafka-flush 1`.
  const harnessFlush = size(ctx, 'kafka-flush', 0, 0) > 0;
  const payloadBytes = 100;
  // `--redis 0` leaves the Redis Streams half out (to profile Kafka alone); HTTP is always measured.
  const withRedis = size(ctx, 'redis', 1, 1) > 0;
  const solo = size(ctx, 'solo', 1, 1) > 0;
  const paths: IngestPath[] = [
    'http',
    ...(withRedis ? (['redis'] as const) : []),
    ...(withKafka ? (['kafka'] as const) : []),
  ];

  let redis: RedisServer | undefined;
  let kafka: KafkaBroker | undefined;
  let server: BenchServer | undefined;
  let load: IngestLoad | undefined;
  try {
    ctx.log('  starting brokers');
    [redis, kafka] = await Promise.all([
      withRedis ? startRedis() : Promise.resolve(undefined),
      withKafka ? startKafka() : Promise.resolve(undefined),
    ]);
    if (kafka !== undefined) await createTopic(kafka, harnessFlush);
    const consumers: Record<string, unknown>[] = [];
    if (redis !== undefined) {
      consumers.push({
        name: CONSUMER.redis,
        enabled: true,
        type: 'redis_stream',
        redis_stream: { address: redis.url, streams: [STREAM], consumer_group: 'switchboard' },
      });
    }
    if (kafka !== undefined) {
      consumers.push({
        name: CONSUMER.kafka,
        enabled: true,
        type: 'kafka',
        kafka: { brokers: [kafka.address], topics: [TOPIC], consumer_group: 'switchboard' },
      });
    }
    server = await startServer('switchboard', {
      name: 'bench-ingest',
      // A subscriber's queue holds the whole delivery window (about 150 bytes a publication).
      // and a subscriber held up by the loaded machine is not dropped for a late pong.
      config: { consumers, client: { queue_max_size: 16 * 1024 * 1024, pong_timeout: '20s' } },
    });
    load = await startIngestLoad();
    await load.run({
      type: 'setup',
      port: server.port,
      ...(redis !== undefined ? { redisUrl: redis.url, stream: STREAM } : {}),
      ...(kafka !== undefined ? { kafkaBroker: kafka.address, topic: TOPIC } : {}),
    });
    for (const [channel, count, first] of [
      [CHANNEL, subscribers, 0],
      [SOLO, 1, subscribers],
    ] as const) {
      const c = await load.run({ type: 'connect', port: server.port, channel, count, first });
      if (c.failed > 0) throw new Error(`ingest: ${c.failed} subscribers failed: ${c.firstError}`);
    }
    const l = load;
    const s = server;
    const flood = (path: IngestPath, count: number, channel: string, fanout: number) =>
      measured(ctx, s, path, () =>
        l.run({
          type: 'flood',
          path,
          channel,
          fanout,
          count,
          batch,
          inflight,
          window,
          payloadBytes,
          timeoutMs: 60_000,
        }),
      );
    // One second of each path in turn, `seconds` rounds: a spell of other work on the shared
    // machine falls on every path alike rather than on whichever ran then.
    const steady = async (r: number): Promise<Partial<Record<IngestPath, Run>>> => {
      const out: Partial<Record<IngestPath, Run>> = {};
      const rounds = Math.max(1, Math.round(seconds));
      for (let round = 0; round < rounds; round++) {
        for (const path of paths) {
          const slice = await measured(ctx, s, path, () =>
            l.run({
              type: 'steady',
              path,
              channel: CHANNEL,
              fanout: subscribers,
              rate: r,
              durationMs: (seconds * 1000) / rounds,
              payloadBytes,
              timeoutMs: 30_000,
              key: `${r}/${path}`,
              reset: round === 0,
            }),
          );
          out[path] = out[path] === undefined ? slice : merge(out[path], slice);
        }
      }
      return out;
    };

    // Warm-up (JIT; the Redis consumer taking its stream's lease, the Kafka one joining its group:
    // what is produced before is consumed once it has).
    const warm = Math.min(ctx.quick ? 500 : 5_000, messages);
    for (const path of paths) {
      const w = await flood(path, warm, CHANNEL, subscribers);
      if (w.delivered < w.expected)
        throw new Error(
          `ingest: warm-up through ${PATH_LABEL[path]} delivered ${w.delivered} of ${w.expected}`,
        );
    }

    const fanned: Partial<Record<IngestPath, Run>> = {};
    const soloRuns: Partial<Record<IngestPath, Run>> = {};
    for (const path of paths) {
      fanned[path] = await flood(path, messages, CHANNEL, subscribers);
      logRun(ctx, `flood → ${subscribers} subscribers`, fanned[path]);
    }
    for (const path of solo ? paths : []) {
      soloRuns[path] = await flood(path, messages, SOLO, 1);
      logRun(ctx, 'flood → 1 subscriber', soloRuns[path]);
    }
    const latency = await steady(rate);
    for (const path of paths) logRun(ctx, `${fmt(rate)}/s`, latency[path]!);
    const high = highRate > 0 ? await steady(highRate) : {};
    for (const path of highRate > 0 ? paths : []) logRun(ctx, `${fmt(highRate)}/s`, high[path]!);
    return report(ctx, {
      paths,
      subscribers,
      messages,
      rate,
      highRate,
      seconds,
      batch,
      inflight,
      window,
      payloadBytes,
      fanned,
      solo: soloRuns,
      latency,
      high,
    });
  } finally {
    await load?.run({ type: 'close' }).catch(() => {});
    await load?.stop();
    await server?.stop();
    await Promise.all([redis?.stop(), kafka?.stop()]);
  }
}

interface Measured {
  paths: IngestPath[];
  subscribers: number;
  messages: number;
  rate: number;
  highRate: number;
  seconds: number;
  batch: number;
  inflight: number;
  window: number;
  payloadBytes: number;
  fanned: Partial<Record<IngestPath, Run>>;
  solo: Partial<Record<IngestPath, Run>>;
  latency: Partial<Record<IngestPath, Run>>;
  high: Partial<Record<IngestPath, Run>>;
}

function report(_ctx: ScenarioContext, m: Measured): ScenarioResult {
  const { paths, subscribers } = m;
  const row = (phase: string, f: Run, addedP99?: number): string[] => [
    phase,
    PATH_LABEL[f.path],
    `${fmt(f.published)}${f.delivered < f.expected ? ` (${fmt(f.delivered)} of ${fmt(f.expected)} deliveries)` : ''}`,
    fmt(f.perSecond),
    fmt(f.deliveriesPerSecond),
    fmt(f.latency.p50, 2),
    fmt(f.latency.p95, 2),
    fmt(f.latency.p99, 2),
    addedP99 === undefined ? '' : `${addedP99 >= 0 ? '+' : ''}${fmt(addedP99, 2)}`,
    fmt((f.nodeCpu * 1e6) / Math.max(1, f.published), 1),
    cores(f),
  ];
  const rows: string[][] = [];
  const floodPhase = `flood, ${fmt(subscribers)} subscribers`;
  for (const p of paths) rows.push(row(floodPhase, m.fanned[p]!));
  for (const p of paths) if (m.solo[p]) rows.push(row('flood, 1 subscriber', m.solo[p]));
  const steadyRows = (runs: Partial<Record<IngestPath, Run>>, r: number): void => {
    const http = runs.http!;
    for (const p of paths)
      rows.push(
        row(
          `${fmt(r)}/s, ${fmt(subscribers)} subscribers`,
          runs[p]!,
          p === 'http' ? undefined : runs[p]!.latency.p99 - http.latency.p99,
        ),
      );
  };
  steadyRows(m.latency, m.rate);
  if (m.highRate > 0) steadyRows(m.high, m.highRate);

  const figures: ScenarioResult['figures'] = {};
  for (const p of paths) {
    figures[`switchboard-flood-${p}`] = record(m.fanned[p]!);
    if (m.solo[p]) figures[`switchboard-solo-${p}`] = record(m.solo[p]);
    figures[`switchboard-steady-${p}`] = record(m.latency[p]!);
    if (m.highRate > 0) figures[`switchboard-steady-high-${p}`] = record(m.high[p]!);
  }
  const targets: ScenarioResult['targets'] = [];
  for (const p of paths) {
    if (p === 'http') continue;
    const f = m.fanned[p]!;
    const complete = f.delivered === f.expected;
    targets.push({
      text: `ingest from ${PATH_LABEL[p]}: ≥ 20,000 publications/s into a channel with ${fmt(subscribers)} subscribers (one node, memory engine)`,
      met: complete && f.perSecond >= 20_000,
      figure: `${fmt(f.perSecond)} publications/s, ${fmt(f.deliveriesPerSecond)} deliveries/s (1 subscriber: ${fmt(m.solo[p]?.perSecond ?? Number.NaN)}/s; HTTP API batches to the same ${fmt(subscribers)}: ${fmt(m.fanned.http!.perSecond)}/s)`,
    });
  }
  for (const p of paths) {
    if (p === 'http') continue;
    const f = m.latency[p]!;
    const http = m.latency.http!;
    const added = f.latency.p99 - http.latency.p99;
    // A comparison only holds when both paths kept the rate (the HTTP path can fall behind here).
    const kept = (r: Run): boolean => r.delivered === r.expected && r.perSecond >= 0.95 * m.rate;
    targets.push({
      text: `ingest from ${PATH_LABEL[p]}: ≤ 50 ms added p99 latency over the HTTP API path (${fmt(m.rate)}/s, ${fmt(subscribers)} subscribers)`,
      met: kept(f) && kept(http) && added <= 50,
      figure: `${added >= 0 ? '+' : ''}${fmt(added, 2)} ms (p99 ${fmt(f.latency.p99, 2)} vs ${fmt(http.latency.p99, 2)} ms)${kept(http) ? '' : `; not comparable: the HTTP path kept only ${fmt(http.perSecond)}/s`}${kept(f) ? '' : `; this path kept only ${fmt(f.perSecond)}/s`}`,
    });
  }
  const runsOf = (f: Partial<Record<IngestPath, Run>>): string =>
    paths.map((p) => `${PATH_LABEL[p]}: ${cores(f[p]!)}`).join('; ');
  const consumerCheck = paths
    .filter((p) => p !== 'http')
    .map((p) => {
      const f = m.fanned[p]!;
      return `${PATH_LABEL[p]} applied ${fmt(f.applied)} of ${fmt(f.published)} (retried ${fmt(f.retried)}, dead-lettered ${fmt(f.dead)})`;
    })
    .join('; ');
  return {
    name: 'ingest',
    title: 'Queue consumers: ingest from Kafka and Redis Streams',
    params: {
      subscribers,
      'flood publications per path': m.messages,
      'producer batch': m.batch,
      'producer requests in flight': m.inflight,
      'delivery window (publications)': m.window,
      'steady publications/s': m.rate,
      ...(m.highRate > 0 ? { 'high steady publications/s': m.highRate } : {}),
      'steady seconds': m.seconds,
      'payload bytes': m.payloadBytes,
      paths: paths.map((p) => PATH_LABEL[p]).join(', '),
    },
    columns: [
      'phase',
      'path',
      'publications',
      'publications/s',
      'deliveries/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'p99 added over HTTP ms',
      'node CPU µs/publication',
      'cores busy (own CPU / wall)',
    ],
    rows,
    targets,
    chart: [],
    notes: [
      `One node (memory engine, the issue's per-node figure) with two consumers: \`redis_stream\` on one stream of a redis-server of its own (\`test/harness/redis.ts\`; group \`switchboard\`, the consumer's defaults: batch_size 200, one worker) and \`kafka\` on a one-partition topic of a Kafka 4.1.1 KRaft broker (\`test/harness/kafka.ts\`; its broker fsyncs after every message, \`log.flush.interval.messages=1\`, which the topic overrides with Kafka's default \`flush.messages\` — per-message fsync held the Kafka path near 110 publications/s at a 200/s steady rate here; \`--kafka-flush 1\` keeps it; kafkajs consumer with the consumer's defaults). Every message is Centrifugo's envelope \`{"method":"publish","payload":{"channel":"ingest","data":{"t":<send ms>,"p":"…"}}}\` with ${m.payloadBytes} bytes of data, in the \`payload\` field of a stream entry or as a Kafka message's value; each becomes a server API \`publish\` on the node with an idempotency key from its identity (the HTTP path carries none). ${fmt(subscribers)} JSON WebSocket subscribers of \`ingest\` (the load generator's clients) and one of \`ingest-solo\`; \`client.queue_max_size\` is raised to 16 MiB so a subscriber's queue holds the delivery window, \`client.pong_timeout\` to 20 s so a subscriber held up on the loaded machine is not dropped.`,
      `One load process (\`bench/ingest-load.ts\`) holds the subscribers and the three producers, so send stamps and receive times share a clock: a kafkajs producer (\`send\` of ${fmt(m.batch)} messages, acks from the broker), ioredis pipelines of ${fmt(m.batch)} \`XADD\`s, and \`POST /api/batch\` of ${fmt(m.batch)} publishes on kept-alive connections, ${m.inflight} requests in flight each.`,
      `Flood: ${fmt(m.messages)} publications per path as fast as the producer goes, holding at most ${fmt(m.window)} produced but not yet delivered to every subscriber (so the node's queues to the subscribers stay bounded; the queue itself may hold any backlog). Publications/s is from the first delivery to the last; deliveries/s the same span. The 1-subscriber flood is the same on a channel with one subscriber: ingest with almost no fan-out. The consumers' metrics over the ${fmt(subscribers)}-subscriber flood: ${consumerCheck}.`,
      `Latency: ${fmt(m.rate)} publications/s for ${m.seconds} s per path${m.highRate > 0 ? `, then ${fmt(m.highRate)}/s` : ''}, in ${Math.max(1, Math.round(m.seconds))} rounds of one slice per path in turn (so a spell of other work on the shared machine falls on every path alike), open loop, each publication stamped just before its producer call: the HTTP path is one \`POST /api/publish\` per publication (kept-alive), the queues one \`send\` / \`XADD\` (or pipeline) per wake-up of the producer, about every millisecond. p50/p95/p99 over every delivery at every subscriber; the added p99 is the queue path's p99 minus the HTTP path's over the same rounds. The producer's ack (its call to the broker's answer) is logged per run in bench/results.json (\`ackP50\`, \`ackP99\`): what of a queue path's latency is the broker's before the node sees the message.`,
      "Where the node's time goes (`BENCH_SERVER_ARGS=--cpu-prof`, 100,000-message floods, self time): with 100 subscribers most of it is the fan-out, the same for every path — building each connection's frame (`Buffer.concat` in the JSON frame join, 10–12%), socket writes (`writev`, 6–10%), the hub, and garbage collection (15–19%); a publication's own API call (envelope parse, `publish` params check, memory engine, idempotency-key lookup) is a few per cent. The Redis Streams consumer applies a batch of up to 200 entries at once and costs 36–40 µs of node CPU per publication to one subscriber (HTTP `/api/batch`: 13–16 µs, without idempotency keys or acknowledgements). The Kafka consumer costs 90–100 µs: it applies one message at a time and wraps each in its own heartbeat timer and `AbortSignal.any()` (`src/consumers/kafka/batch.ts`, `whileHeartbeating`), which alone took 11% of the node's busy time (`createAbortSignal`, `any`, `SafeWeakRef`), about 27 µs of CPU per message before the garbage it leaves; one timer and one composite signal per fetched batch instead gave 47 µs per publication to one subscriber (13,985 vs 9,293 publications/s) and 74 vs 122–130 µs with 100 subscribers, measured in a copy of the tree (not committed here: that file is the Kafka consumer's).",
      `Cores: each process's own CPU over the run's wall time — the node (\`process.cpuUsage()\` over IPC), the load process (subscribers and producer), the broker (/proc/<pid>/stat of redis-server or Kafka's JVM) — and the whole machine's busy cores from /proc/stat (every process: these, the benchmark's parent, other sessions' work). The machine has 2 cores. Flood, ${fmt(subscribers)} subscribers — ${runsOf(m.fanned)}. ${fmt(m.rate)}/s — ${runsOf(m.latency)}.`,
    ],
    figures,
  };
}
