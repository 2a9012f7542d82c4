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
  rssPerConn: number;
  heapPerConn: number;
  rssMb: number;
}

async function runOn(ctx: ScenarioContext, kind: ServerKind, count: number): Promise<IdleFigures> {
  const server = await startServer(kind);
  try {
    const base = await server.stats();
    const res = await ctx.load.run({
      type: 'connect',
      group: 'idle',
      proto: kind,
      ports: [server.port],
      count,
      first: 0,
      tokens: kind !== 'ws',
      ...(kind === 'ws' ? {} : { channel: 'shared' }),
      concurrency: 200,
    });
    if (res.failed > 0) throw new Error(`${kind}: ${res.failed} connections failed: ${res.firstError}`);
    await new Promise((r) => setTimeout(r, 500));
    const after = await server.stats();
    const f = {
      connections: res.connected,
      seconds: res.seconds,
      rssPerConn: (after.mem.rss - base.mem.rss) / res.connected,
      heapPerConn: (after.mem.heapUsed - base.mem.heapUsed) / res.connected,
      rssMb: after.mem.rss / 1048576,
    };
    ctx.log(`  ${LABEL[kind]}: ${fmt(f.rssPerConn / 1024, 2)} KB RSS per connection`);
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
    fmt(f.rssMb),
    fmt(f.connections / f.seconds),
  ];
  const rec = (f: IdleFigures) => ({
    deliveries: f.connections,
    rssPerConn: f.rssPerConn,
    heapPerConn: f.heapPerConn,
  });
  return {
    name: 'idle',
    title: 'Idle connections: memory per connection',
    params: { connections: count },
    columns: ['server', 'connections', 'RSS KB/conn', 'heap KB/conn', 'server RSS MB', 'connects/s (setup)'],
    rows: [
      row('switchboard', sb),
      row('socketio', sio),
      row('ws', got.ws!),
      [
        'ratio Switchboard/socket.io',
        '',
        `**${ratio(sb.rssPerConn, sio.rssPerConn)}**`,
        ratio(sb.heapPerConn, sio.heapPerConn),
        '',
        '',
      ],
    ],
    targets: [
      {
        text: 'server RSS ≤ 5 KB per idle connection',
        met: sb.rssPerConn <= 5 * 1024,
        figure: `${fmt(sb.rssPerConn / 1024, 2)} KB`,
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
    ],
    figures: { switchboard: rec(sb), socketio: rec(sio), ws: rec(got.ws!) },
  };
}
