/**
 * Idle connections: server memory per connection (RSS and heap deltas after a GC), for Switchboard
 * over WebSocket, HTTP streaming and SSE, socket.io and a bare `ws` server.
 */
import { execFileSync } from 'node:child_process';
import type { Proto } from '../load-clients.js';
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

/** One measured run: a server kind and the transport its clients use. */
interface Variant {
  key: 'switchboard' | 'switchboard-http-stream' | 'switchboard-sse' | 'socketio' | 'ws';
  label: string;
  kind: ServerKind;
  proto: Proto;
}

const VARIANTS: readonly Variant[] = [
  { key: 'switchboard', label: `${LABEL.switchboard} WebSocket`, kind: 'switchboard', proto: 'switchboard' },
  {
    key: 'switchboard-http-stream',
    label: `${LABEL.switchboard} HTTP streaming`,
    kind: 'switchboard',
    proto: 'switchboard-http-stream',
  },
  {
    key: 'switchboard-sse',
    label: `${LABEL.switchboard} SSE`,
    kind: 'switchboard',
    proto: 'switchboard-sse',
  },
  { key: 'socketio', label: LABEL.socketio, kind: 'socketio', proto: 'socketio' },
  { key: 'ws', label: LABEL.ws, kind: 'ws', proto: 'ws' },
];

/** Most an SSE connection may cost, as a multiple of a WebSocket one. */
const SSE_TARGET = 1.5;

async function runOn(
  ctx: ScenarioContext,
  { kind, proto, label }: Variant,
  count: number,
): Promise<IdleFigures> {
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
        proto,
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
      `  ${label}: ${fmt(f.rssPerConn / 1024, 2)} KB RSS per connection (second half: ${fmt(f.rssPerConnMarginal / 1024, 2)} KB)`,
    );
    return f;
  } finally {
    await ctx.load.run({ type: 'close' });
    await server.stop();
  }
}

/** The ratios of two runs' per-connection figures (`a` over `b`), the average RSS in bold. */
function ratioRow(label: string, a: IdleFigures, b: IdleFigures): string[] {
  return [
    label,
    '',
    `**${ratio(a.rssPerConn, b.rssPerConn)}**`,
    ratio(a.heapPerConn, b.heapPerConn),
    ratio(a.rssPerConnMarginal, b.rssPerConnMarginal),
    ratio(a.heapPerConnMarginal, b.heapPerConnMarginal),
    '',
    '',
  ];
}

export async function idle(ctx: ScenarioContext): Promise<ScenarioResult> {
  const count = size(ctx, 'clients', idleDefault(), 500);
  const got = new Map<Variant['key'], IdleFigures>();
  for (const v of VARIANTS) got.set(v.key, await runOn(ctx, v, count));
  const sb = got.get('switchboard')!;
  const sio = got.get('socketio')!;
  const sse = got.get('switchboard-sse')!;
  const bare = got.get('ws')!;
  const row = (label: string, f: IdleFigures) => [
    label,
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
      ...VARIANTS.map((v) => row(v.label, got.get(v.key)!)),
      ratioRow('ratio Switchboard WebSocket/socket.io', sb, sio),
      ratioRow('ratio HTTP streaming/WebSocket', got.get('switchboard-http-stream')!, sb),
      ratioRow('ratio SSE/WebSocket', sse, sb),
    ],
    targets: [
      {
        text: 'server RSS ≤ 5 KB per idle connection (average over all of them)',
        met: sb.rssPerConn <= 5 * 1024,
        figure: `${fmt(sb.rssPerConn / 1024, 2)} KB (bare ws ${fmt(bare.rssPerConn / 1024, 2)} KB)`,
      },
      {
        text: 'server RSS ≤ 5 KB per idle connection (what each of the second half added)',
        met: sb.rssPerConnMarginal <= 5 * 1024,
        figure: `${fmt(sb.rssPerConnMarginal / 1024, 2)} KB (bare ws ${fmt(bare.rssPerConnMarginal / 1024, 2)} KB)`,
      },
      {
        text: `server RSS per idle SSE connection ≤ ${SSE_TARGET}× WebSocket (average over all of them, same run)`,
        met: sse.rssPerConn <= SSE_TARGET * sb.rssPerConn,
        figure: `${(sse.rssPerConn / sb.rssPerConn).toFixed(2)}× (${fmt(sse.rssPerConn / 1024, 2)} vs ${fmt(sb.rssPerConn / 1024, 2)} KB)`,
      },
      {
        text: `server RSS per idle SSE connection ≤ ${SSE_TARGET}× WebSocket (what each of the second half added, same run)`,
        met: sse.rssPerConnMarginal <= SSE_TARGET * sb.rssPerConnMarginal,
        figure: `${(sse.rssPerConnMarginal / sb.rssPerConnMarginal).toFixed(2)}× (${fmt(sse.rssPerConnMarginal / 1024, 2)} vs ${fmt(sb.rssPerConnMarginal / 1024, 2)} KB)`,
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
      'HTTP-streaming and SSE clients are JSON sessions over bidirectional emulation: the connect command opens the stream (`POST /connection/http_stream`, `GET /connection/sse?cf_connect=…`) and the subscribe goes as a `POST /emulation` request on a pool of kept-alive sockets, so the server holds one streaming response per connection (its socket, `IncomingMessage` and `ServerResponse`) and a few idle emulation sockets.',
      "Why a stream costs more than a WebSocket: after an upgrade Node hands the socket over and drops its HTTP state, but a streaming response keeps all of it for the life of the session. A heap snapshot of 3,000 SSE against 3,000 WebSocket connections shows about 5 KB more heap per connection, nearly all Node's: the `ServerResponse` and its header text (kept as a concatenated string), the `IncomingMessage` with its headers and URL (the `cf_connect` command with its token), the HTTP server's bound socket listeners and their contexts, the `HTTPParser` and its async resource; the session's own objects (`StreamTransport`, `Connection`) are smaller than the WebSocket transport's. The rest of the RSS difference is native: the parser a kept-alive HTTP socket holds.",
      'Connections open in two halves. The average includes one-off growth that does not scale with connections — V8 grows its young generation (up to 16 MB per semi-space) during the connect burst, where JWT checks make short-lived garbage, and keeps it after a GC — so it swings by ±1 KB between identical runs; the second half, opened once that growth is done, is the cost per connection.',
    ],
    figures: Object.fromEntries([...got].map(([key, f]) => [key, rec(f)])),
  };
}
