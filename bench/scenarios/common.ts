/** What every scenario shares: options, result shape, and one measured publish run per server. */
import type { LoadGenerator } from '../load.js';
import type { PublishCommand, PublishResult } from '../load-protocol.js';
import type { AnyServerKind, BenchServer } from '../servers.js';
import { cpuSeconds, type LatencySummary } from '../stats.js';

/** Sizes from the command line (`--name value`); each scenario reads what it needs with its defaults. */
export type Flags = Record<string, number>;

export interface ScenarioContext {
  load: LoadGenerator;
  quick: boolean;
  flags: Flags;
  /** Progress lines. */
  log(line: string): void;
}

/** Reads a size: the flag when given, else the quick or full default. */
export function size(ctx: ScenarioContext, name: string, full: number, quick: number): number {
  return ctx.flags[name] ?? (ctx.quick ? quick : full);
}

/** A spec target and whether this run met it. */
export interface Target {
  text: string;
  met: boolean;
  figure: string;
}

/** One bar pair of the chart. */
export interface ChartBar {
  label: string;
  unit: string;
  switchboard: number;
  socketio: number;
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** How it was sized, for the report. */
  params: Record<string, number | string>;
  columns: string[];
  rows: string[][];
  targets: Target[];
  chart: ChartBar[];
  notes?: string[];
  /** Raw figures per server kind, for tests and the JSON record. */
  figures: Partial<Record<AnyServerKind | `${AnyServerKind}-${string}`, Record<string, number>>>;
}

/** Figures of one measured publish run on one server kind. */
export interface RunFigures {
  deliveries: number;
  expected: number;
  seconds: number;
  perSecond: number;
  cpu: number;
  perCpuSecond: number;
  usPerDelivery: number;
  latency: LatencySummary;
  rssMb: number;
  /** Deliveries per write system call of the servers (0: not readable). */
  perWrite: number;
}

/** Runs a publish command while reading every server's own CPU accounting before and after. */
export async function measuredPublish(
  ctx: ScenarioContext,
  servers: BenchServer[],
  command: Omit<PublishCommand, 'type'>,
): Promise<RunFigures> {
  const before = await Promise.all(servers.map((s) => s.stats()));
  const result: PublishResult = await ctx.load.run({ type: 'publish', ...command });
  const after = await Promise.all(servers.map((s) => s.stats()));
  const cpu = before.reduce((sum, b, i) => sum + cpuSeconds(b.cpu, after[i]!.cpu), 0);
  const rss = after.reduce((sum, a) => sum + a.mem.rss, 0);
  const writes = before.reduce((sum, b, i) => sum + (after[i]!.writes ?? 0) - (b.writes ?? 0), 0);
  return {
    deliveries: result.delivered,
    expected: result.expected,
    seconds: result.seconds,
    perSecond: result.delivered / result.seconds,
    cpu,
    perCpuSecond: result.delivered / cpu,
    usPerDelivery: (cpu * 1e6) / Math.max(1, result.delivered),
    latency: result.latency,
    rssMb: rss / 1048576,
    perWrite: writes > 0 ? result.delivered / writes : 0,
  };
}

export const KINDS = ['switchboard', 'socketio'] as const;
export const LABEL: Record<AnyServerKind, string> = {
  switchboard: 'Switchboard',
  socketio: 'socket.io',
  ws: 'bare ws',
  centrifugo: 'Centrifugo',
  'floor-raw': 'floor: one write per delivery',
  'floor-batched': 'floor: batched per turn',
};

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
export const ratio = (a: number, b: number): string =>
  b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—';

/** Table columns of a throughput scenario. */
export const THROUGHPUT_COLUMNS = [
  'server',
  'deliveries',
  'deliveries/s',
  'server CPU s',
  'CPU µs/delivery',
  'deliveries per CPU-s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'server RSS MB',
  'deliveries/write',
];

export function throughputRow(label: string, f: RunFigures): string[] {
  const lost = f.deliveries < f.expected ? ` (of ${fmt(f.expected)})` : '';
  return [
    label,
    fmt(f.deliveries) + lost,
    fmt(f.perSecond),
    fmt(f.cpu, 2),
    fmt(f.usPerDelivery, 2),
    fmt(f.perCpuSecond),
    fmt(f.latency.p50, 2),
    fmt(f.latency.p99, 2),
    fmt(f.latency.max, 1),
    fmt(f.rssMb),
    f.perWrite > 0 ? fmt(f.perWrite, 2) : '—',
  ];
}

/** The ratios of two runs' figures (`a` over `b`), deliveries per CPU-second in bold. */
export function ratioRow(sb: RunFigures, sio: RunFigures, label = 'ratio Switchboard/socket.io'): string[] {
  return [
    label,
    '',
    ratio(sb.perSecond, sio.perSecond),
    '',
    ratio(sb.usPerDelivery, sio.usPerDelivery),
    `**${ratio(sb.perCpuSecond, sio.perCpuSecond)}**`,
    ratio(sb.latency.p50, sio.latency.p50),
    ratio(sb.latency.p99, sio.latency.p99),
    '',
    ratio(sb.rssMb, sio.rssMb),
    '',
  ];
}

export const asRecord = (f: RunFigures): Record<string, number> => ({
  deliveries: f.deliveries,
  expected: f.expected,
  perSecond: f.perSecond,
  cpu: f.cpu,
  perCpuSecond: f.perCpuSecond,
  p50: f.latency.p50,
  p99: f.latency.p99,
  max: f.latency.max,
  rssMb: f.rssMb,
  perWrite: f.perWrite,
});
