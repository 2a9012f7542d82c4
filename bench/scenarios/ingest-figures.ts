/**
 * The `ingest` scenario's figures: one measured run of a path, and the report (table, targets and
 * notes) made of them.
 */
import type { IngestLatency, IngestPath } from '../ingest-protocol.js';
import { fmt, type ScenarioContext, type ScenarioResult } from './common.js';

export const PATH_LABEL: Record<IngestPath, string> = {
  kafka: 'Kafka',
  redis: 'Redis Streams',
  http: 'HTTP API',
};

export /** The figures of one measured run, with every process's share of the machine. */
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

export const cores = (f: Run): string =>
  `node ${fmt(f.nodeCpu / f.wall, 2)}, load ${fmt(f.loadCpu / f.wall, 2)}${f.path === 'http' ? '' : `, ${f.path === 'kafka' ? 'Kafka' : 'Redis'} ${fmt(f.brokerCpu / f.wall, 2)}`}, machine ${fmt(f.machineCores, 2)}`;

export const record = (f: Run): Record<string, number> => ({
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

export interface Measured {
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

export function report(_ctx: ScenarioContext, m: Measured): ScenarioResult {
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
