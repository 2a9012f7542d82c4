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
  type IngestLoad,
  type IngestPath,
  type IngestRunResult,
  startIngestLoad,
} from '../ingest-protocol.js';
import { type BenchServer, startServer } from '../servers.js';
import { cpuSeconds } from '../stats.js';
import { fmt, type ScenarioContext, type ScenarioResult, size } from './common.js';
import { cores, PATH_LABEL, type Run, report } from './ingest-figures.js';

const CHANNEL = 'ingest';
/** A channel with one subscriber: what ingest costs with (almost) no fan-out. */
const SOLO = 'ingest-solo';
const STREAM = 'ingest';
const TOPIC = 'ingest';
const CONSUMER: Record<Exclude<IngestPath, 'http'>, string> = { kafka: 'bench_kafka', redis: 'bench_redis' };

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

function logRun(ctx: ScenarioContext, what: string, f: Run): void {
  ctx.log(
    `  ${what} ${PATH_LABEL[f.path]}: ${fmt(f.perSecond)} publications/s (${fmt(f.deliveriesPerSecond)} deliveries/s), p50 ${fmt(f.latency.p50, 2)} ms, p99 ${fmt(f.latency.p99, 2)} ms (producer ack p50 ${fmt(f.ack.p50, 2)}, p99 ${fmt(f.ack.p99, 2)} ms); node ${fmt((f.nodeCpu * 1e6) / Math.max(1, f.published))} µs CPU/publication; cores: ${cores(f)}`,
  );
}

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
