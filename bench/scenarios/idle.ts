/** Idle connections: server memory per connection (RSS and heap deltas after a GC). */
import { execFileSync } from 'node:child_process';
import { type ServerKind, startServer } from '../servers.js';
import { fmt, LABEL, ratio, type ScenarioContext, type ScenarioResult, size } from './common.js';

/** Connections the open-files limit allows: each costs one descriptor in the server and one here. */
export function idleDefault(): number {
  let limit = 20_000;
  try {
    limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || limit;
  } catch {
    // keep the default
  }
  return Math.max(100, Math.min(15_000, limit - 2_000));
}

interface IdleFigures {
  connections: number;
  seconds: number;
  /** Average over every connection: (RSS with all of them − RSS before) / connections. */
  rssPerConn: number;
  heapPerConn: number;
  /** Marginal: what the second half of the connections added, per connection. */
  rssPerConnMarginal: number;
  heapPerConnMarginal: number;
  rssMb: number;
}

async function runOn(ctx: ScenarioContext, kind: ServerKind, count: number): Promise<IdleFigures> {
  const server = await startServer(kind);
  try {
    const base = await server.stats();
    // Two halves: the average over all connections carries one-off growth (V8's young generation
    // grows during the connect burst and stays grown); the second half shows the cost per connection.
    const half = Math.floor(count / 2);
    const open = async (first: number, n: number) => {
      const res = await ctx.load.run({
        type: 'connect',
        group: 'idle',
        proto: kind,
        ports: [server.port],
        count: n,
        first,
        tokens: kind !== 'ws',
        ...(kind === 'ws' ? {} : { channel: 'shared' }),
        concurrency: 200,
      });
      if (res.failed > 0) throw new Error(`${kind}: ${res.failed} connections failed: ${res.firstError}`);
      await new Promise((r) => setTimeout(r, 500));
      return res;
    };
    const first = await open(0, half);
    const mid = await server.stats();
    const second = await open(half, count - half);
    const after = await server.stats();
    const connected = first.connected + second.connected;
    const f = {
      connections: connected,
      seconds: first.seconds + second.seconds,
      rssPerConn: (after.mem.rss - base.mem.rss) / connected,
      heapPerConn: (after.mem.heapUsed - base.mem.heapUsed) / connected,
      rssPerConnMarginal: (after.mem.rss - mid.mem.rss) / second.connected,
      heapPerConnMarginal: (after.mem.heapUsed - mid.mem.heapUsed) / second.connected,
      rssMb: after.mem.rss / 1048576,
    };
    ctx.log(
      `  ${LABEL[kind]}: ${fmt(f.rssPerConn / 1024, 2)} KB RSS per connection (second half: ${fmt(f.rssPerConnMarginal / 1024, 2)} KB)`,
    );
    return f;
  } finally {
    await ctx.load.run({ type: 'close' });
    await server.stop();
  }
}

export async function idle(ctx: ScenarioContext): Promise<ScenarioResult> {
  const count = size(ctx, 'clients', idleDefault(), 500);
  const got: Partial<Record<ServerKind, IdleFigures>> = {};
  for (const kind of ['switchboard', 'socketio', 'ws'] as const) got[kind] = await runOn(ctx, kind, count);
  const sb = got.switchboard!;
  const sio = got.socketio!;
  const row = (kind: ServerKind, f: IdleFigures) => [
    LABEL[kind],
    fmt(f.connections),
    fmt(f.rssPerConn / 1024, 2),
    fmt(f.heapPerConn / 1024, 2),
    fmt(f.rssPerConnMarginal / 1024, 2),
    fmt(f.heapPerConnMarginal / 1024, 2),
    fmt(f.rssMb),
    fmt(f.connections / f.seconds),
  ];
  const rec = (f: IdleFigures) => ({
    deliveries: f.connections,
    rssPerConn: f.rssPerConn,
    heapPerConn: f.heapPerConn,
    rssPerConnMarginal: f.rssPerConnMarginal,
    heapPerConnMarginal: f.heapPerConnMarginal,
  });
  return {
    name: 'idle',
    title: 'Idle connections: memory per connection',
    params: { connections: count },
    columns: [
      'server',
      'connections',
      'RSS KB/conn',
      'heap KB/conn',
      'RSS KB/conn, 2nd half',
      'heap KB/conn, 2nd half',
      'server RSS MB',
      'connects/s (setup)',
    ],
    rows: [
      row('switchboard', sb),
      row('socketio', sio),
      row('ws', got.ws!),
      [
        'ratio Switchboard/socket.io',
        '',
        `**${ratio(sb.rssPerConn, sio.rssPerConn)}**`,
        ratio(sb.heapPerConn, sio.heapPerConn),
        ratio(sb.rssPerConnMarginal, sio.rssPerConnMarginal),
        ratio(sb.heapPerConnMarginal, sio.heapPerConnMarginal),
        '',
        '',
      ],
    ],
    targets: [
      {
        text: 'server RSS ≤ 5 KB per idle connection (average over all of them)',
        met: sb.rssPerConn <= 5 * 1024,
        figure: `${fmt(sb.rssPerConn / 1024, 2)} KB (bare ws ${fmt(got.ws!.rssPerConn / 1024, 2)} KB)`,
      },
      {
        text: 'server RSS ≤ 5 KB per idle connection (what each of the second half added)',
        met: sb.rssPerConnMarginal <= 5 * 1024,
        figure: `${fmt(sb.rssPerConnMarginal / 1024, 2)} KB (bare ws ${fmt(got.ws!.rssPerConnMarginal / 1024, 2)} KB)`,
      },
    ],
    chart: [
      {
        label: 'idle',
        unit: 'RSS KB/conn (lower better)',
        switchboard: sb.rssPerConn / 1024,
        socketio: sio.rssPerConn / 1024,
      },
    ],
    notes: [
      'Switchboard and socket.io clients carry a JWT (personal channel / room `#u<i>`) and join one shared channel; the bare `ws` server only holds the sockets. Deltas are measured after a forced GC.',
      'Connections open in two halves. The average includes one-off growth that does not scale with connections — V8 grows its young generation (up to 16 MB per semi-space) during the connect burst, where JWT checks make short-lived garbage, and keeps it after a GC — so it swings by ±1 KB between identical runs; the second half, opened once that growth is done, is the cost per connection.',
    ],
    figures: { switchboard: rec(sb), socketio: rec(sio), ws: rec(got.ws!) },
  };
}
