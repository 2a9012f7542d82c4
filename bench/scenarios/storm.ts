/**
 * Message storm: price ticks at a fixed rate (10,000/s over 100 symbols, tag `symbol`) to N
 * subscribers of one channel, on Switchboard with conflation (`conflation_interval: "100ms"`,
 * `conflation_key: "tag:symbol"`), on Switchboard without it, and on socket.io for reference.
 */
import type { StormResult } from '../load-protocol.js';
import { type BenchServer, type ServerKind, startServer } from '../servers.js';
import { cpuSeconds } from '../stats.js';
import { fmt, LABEL, type ScenarioContext, type ScenarioResult, size } from './common.js';

const CHANNEL = 'prices:ticks';
const INTERVAL_MS = 100;
/** Namespace `prices` of the Switchboard config, with or without conflation. */
const namespace = (conflate: boolean): Record<string, unknown> =>
  conflate
    ? { name: 'prices', conflation_interval: `${INTERVAL_MS}ms`, conflation_key: 'tag:symbol' }
    : { name: 'prices' };

interface Shape {
  clients: number;
  seconds: number;
  rate: number;
  symbols: number;
  batch: number;
  inflight: number;
}

interface StormRun {
  key: 'switchboard-conflated' | 'switchboard-plain' | 'socketio';
  label: string;
  kind: ServerKind;
  conflate: boolean;
}

const RUNS: StormRun[] = [
  {
    key: 'switchboard-conflated',
    label: `Switchboard, conflated (${INTERVAL_MS}ms, tag:symbol)`,
    kind: 'switchboard',
    conflate: true,
  },
  { key: 'switchboard-plain', label: 'Switchboard, no conflation', kind: 'switchboard', conflate: false },
  { key: 'socketio', label: `${LABEL.socketio}, no conflation`, kind: 'socketio', conflate: false },
];

interface StormFigures {
  run: StormRun;
  result: StormResult;
  cpu: number;
}

async function runOn(ctx: ScenarioContext, run: StormRun, shape: Shape): Promise<StormFigures> {
  let server: BenchServer | undefined;
  try {
    server = await startServer(
      run.kind,
      run.kind === 'switchboard' ? { config: { channel: { namespaces: [namespace(run.conflate)] } } } : {},
    );
    const connected = await ctx.load.run({
      type: 'connect',
      group: 'subscribers',
      proto: run.kind,
      ports: [server.port],
      count: shape.clients,
      first: 0,
      tokens: true,
      channel: CHANNEL,
      concurrency: 100,
      keys: run.conflate,
    });
    if (connected.failed > 0)
      throw new Error(`${run.kind}: ${connected.failed} clients failed: ${connected.firstError}`);
    const before = await server.stats();
    const result = await ctx.load.run({
      type: 'storm',
      proto: run.kind,
      port: server.port,
      channel: CHANNEL,
      group: 'subscribers',
      durationMs: shape.seconds * 1000,
      rate: shape.rate,
      batch: shape.batch,
      symbols: shape.symbols,
      inflight: shape.inflight,
      fanout: run.conflate ? 0 : shape.clients,
      quietMs: 3 * INTERVAL_MS,
    });
    const after = await server.stats();
    const cpu = cpuSeconds(before.cpu, after.cpu);
    ctx.log(
      `  ${run.label}: ${fmt(result.published / result.publishSeconds)} publications/s, ${fmt(result.delivered / shape.clients / result.seconds)} deliveries/s per subscriber, ${fmt((cpu * 1e6) / result.published, 1)} CPU µs/publication${run.conflate ? `, latest per key ${result.latestOk}/${result.tracked}` : ''}`,
    );
    return { run, result, cpu };
  } finally {
    await ctx.load.run({ type: 'close' });
    await server?.stop();
  }
}

const latestYes = (r: StormResult): boolean => r.tracked > 0 && r.latestOk === r.tracked && r.delivered > 0;

export async function storm(ctx: ScenarioContext): Promise<ScenarioResult> {
  const shape: Shape = {
    clients: size(ctx, 'clients', 200, 20),
    seconds: size(ctx, 'seconds', 10, 2),
    rate: size(ctx, 'ticks', 10_000, 10_000),
    symbols: size(ctx, 'symbols', 100, 100),
    batch: size(ctx, 'batch', 100, 100),
    inflight: size(ctx, 'inflight', 4, 4),
  };
  const got: StormFigures[] = [];
  for (const run of RUNS) got.push(await runOn(ctx, run, shape));
  const figures: ScenarioResult['figures'] = {};
  const rows: string[][] = [];
  for (const { run, result: r, cpu } of got) {
    const pubRate = r.published / r.publishSeconds;
    const perSubscriber = r.delivered / shape.clients / r.seconds;
    const share = r.delivered / (r.published * shape.clients);
    const usPerPublication = (cpu * 1e6) / Math.max(1, r.published);
    figures[run.key] = {
      published: r.published,
      publicationsPerSecond: pubRate,
      deliveries: r.delivered,
      deliveriesPerSubscriberPerSecond: perSubscriber,
      share,
      cpu,
      usPerPublication,
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      ...(run.conflate ? { latestOk: latestYes(r) ? 1 : 0, subscribersOk: r.latestOk } : {}),
    };
    rows.push([
      run.label,
      fmt(r.published),
      fmt(pubRate),
      fmt(r.delivered),
      fmt(perSubscriber),
      `${fmt(share * 100, 1)}%`,
      fmt(cpu, 2),
      fmt(usPerPublication, 1),
      fmt(r.latency.p50, 2),
      fmt(r.latency.p99, 2),
      run.conflate ? `${latestYes(r) ? 'yes' : '**no**'} (${r.latestOk}/${r.tracked})` : '—',
    ]);
  }
  const conflated = got.find((g) => g.run.conflate)!;
  const plain = got.find((g) => g.run.key === 'switchboard-plain')!;
  const sio = got.find((g) => g.run.kind === 'socketio')!;
  const c = conflated.result;
  const cShare = c.delivered / (c.published * shape.clients);
  const perPublication = (f: StormFigures) => (f.cpu * 1e6) / Math.max(1, f.result.published);
  return {
    name: 'storm',
    title: 'Message storm: price ticks with and without conflation',
    params: {
      subscribers: shape.clients,
      seconds: shape.seconds,
      'publications/s': shape.rate,
      symbols: shape.symbols,
      'publications per request': shape.batch,
      'requests in flight': shape.inflight,
      conflation: `${INTERVAL_MS}ms per tag:symbol`,
    },
    columns: [
      'run',
      'publications',
      'publications/s',
      'deliveries',
      'deliveries/s per subscriber',
      'share of publications delivered',
      'server CPU s',
      'CPU µs/publication',
      'p50 ms',
      'p99 ms',
      'latest value per key delivered',
    ],
    rows,
    targets: [
      {
        text: 'storm: conflation delivers the latest value per key',
        met: latestYes(c),
        figure: `${c.latestOk}/${c.tracked} subscribers, ${fmt(cShare * 100, 1)}% of publications delivered`,
      },
    ],
    chart: [
      {
        label: 'storm',
        unit: 'CPU µs/publication (lower better)',
        switchboard: perPublication(conflated),
        socketio: perPublication(sio),
      },
    ],
    notes: [
      `Ticks go round-robin over the symbols, so each symbol ticks ${fmt(shape.rate / shape.symbols)} times a second. Conflation delivers a quiet key's first tick at once (leading edge) and then one tick per key per ${INTERVAL_MS} ms interval (trailing edge), as long as the key keeps ticking: about ${fmt(shape.symbols * (1000 / INTERVAL_MS))} deliveries per subscriber per second for ${fmt(shape.rate)} publications/s (${fmt((100 * shape.symbols * (1000 / INTERVAL_MS)) / shape.rate, 0)}%), plus the leading edges. Switchboard with conflation: ${fmt(c.delivered / shape.clients / c.seconds)} per subscriber per second.`,
      `The last round of ticks (one per symbol) is published after every earlier request was answered; "latest value per key delivered" checks that every subscriber's last delivered tick of every symbol is that round's.`,
      'Conflated latency includes the time a tick waits for the end of its interval (up to the interval). Runs without conflation hold publishing while more than two rounds of requests are undelivered, so their publications/s is what the server and the load generator sustain end to end.',
      `Server CPU per publication without conflation, Switchboard vs socket.io: ${fmt(perPublication(plain), 1)} vs ${fmt(perPublication(sio), 1)} µs (each publication fans out to every subscriber).`,
    ],
    figures,
  };
}
