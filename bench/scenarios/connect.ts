/**
 * Connection setup: connect + JWT + subscribe rate and server CPU per connection (Switchboard,
 * socket.io and Centrifugo);
 * then, Switchboard only, how long N clients take to reconnect to a surviving node and recover a
 * history channel after their node is SIGKILLed.
 */
import { startRedis } from '../../test/harness/redis.js';
import type { Proto } from '../load-clients.js';
import { startServer } from '../servers.js';
import { cpuSeconds, nowMs } from '../stats.js';
import { fmt, KINDS, LABEL, ratio, type ScenarioContext, type ScenarioResult, size } from './common.js';

interface ConnectFigures {
  connections: number;
  perSecond: number;
  cpuMsPerConn: number;
  perCpuSecond: number;
  /** Server CPU-seconds per second of the run: how many cores it kept busy. */
  cores: number;
}

/** Servers whose connect rate is measured: Centrifugo beside the two Node servers. */
const CONNECT_KINDS = [...KINDS, 'centrifugo'] as const;
type ConnectKind = (typeof CONNECT_KINDS)[number];

/** Centrifugo takes the Switchboard JSON clients unchanged (connect with token + subscribe, one frame). */
const protoOf = (kind: ConnectKind): Proto => (kind === 'centrifugo' ? 'switchboard' : kind);

async function connectRate(ctx: ScenarioContext, kind: ConnectKind, count: number): Promise<ConnectFigures> {
  const server = await startServer(kind);
  try {
    const before = await server.stats();
    const res = await ctx.load.run({
      type: 'connect',
      group: 'c',
      proto: protoOf(kind),
      ports: [server.port],
      count,
      first: 0,
      tokens: true,
      channel: 'shared',
      concurrency: 100,
    });
    const after = await server.stats();
    if (res.failed > 0) throw new Error(`${kind}: ${res.failed} connections failed: ${res.firstError}`);
    const cpu = cpuSeconds(before.cpu, after.cpu);
    const f = {
      connections: res.connected,
      perSecond: res.connected / res.seconds,
      cpuMsPerConn: (cpu * 1000) / res.connected,
      perCpuSecond: res.connected / cpu,
      cores: cpu / res.seconds,
    };
    ctx.log(
      `  ${LABEL[kind]}: ${fmt(f.perSecond)} connects/s, ${fmt(f.cpuMsPerConn, 3)} CPU ms each, ${fmt(f.cores, 2)} cores busy`,
    );
    return f;
  } finally {
    await ctx.load.run({ type: 'close' });
    await server.stop();
  }
}

interface RecoveryFigures {
  clients: number;
  recovered: number;
  missed: number;
  seconds: number;
}

async function killAndRecover(ctx: ScenarioContext, count: number): Promise<RecoveryFigures> {
  const redis = await startRedis();
  const config = {
    channel: { namespaces: [{ name: 'rec', history_size: 100, history_ttl: '300s', force_recovery: true }] },
  };
  const a = await startServer('switchboard', { name: 'bench-a', redisUrl: redis.url, config });
  const b = await startServer('switchboard', { name: 'bench-b', redisUrl: redis.url, config });
  const publish = async (i: number): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${b.port}/api/publish`, {
      method: 'POST',
      body: JSON.stringify({ channel: 'rec:feed', data: { t: nowMs(), i } }),
    });
    const body = (await res.json()) as { result?: { offset?: number } };
    return body.result?.offset ?? 0;
  };
  try {
    await publish(0);
    const res = await ctx.load.run({
      type: 'connect',
      group: 'rec',
      proto: 'switchboard',
      ports: [a.port],
      count,
      first: 0,
      tokens: true,
      channel: 'rec:feed',
      concurrency: 100,
      track: true,
    });
    if (res.failed > 0) throw new Error(`recovery: ${res.failed} connections failed: ${res.firstError}`);
    await ctx.load.run({ type: 'arm-reconnect', group: 'rec', port: b.port, concurrency: 200 });
    const missed = 5;
    const killedAt = nowMs();
    await a.kill();
    let offset = 0;
    for (let i = 1; i <= missed; i++) offset = await publish(i);
    const done = await ctx.load.run({ type: 'wait-recovered', group: 'rec', offset, timeoutMs: 60_000 });
    const f = {
      clients: done.total,
      recovered: done.recovered,
      missed,
      seconds: (done.doneAt - killedAt) / 1000,
    };
    ctx.log(`  recovery: ${fmt(f.recovered)}/${fmt(f.clients)} recovered in ${fmt(f.seconds, 2)} s`);
    return f;
  } finally {
    await ctx.load.run({ type: 'close' });
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  }
}

export async function connect(ctx: ScenarioContext): Promise<ScenarioResult> {
  const count = size(ctx, 'clients', 5000, 300);
  const recoverCount = size(ctx, 'recover', 10_000, 300);
  const got: Partial<Record<ConnectKind, ConnectFigures>> = {};
  for (const kind of CONNECT_KINDS) got[kind] = await connectRate(ctx, kind, count);
  const sb = got.switchboard!;
  const sio = got.socketio!;
  const cf = got.centrifugo!;
  const rec = await killAndRecover(ctx, recoverCount);
  const row = (label: string, f: ConnectFigures) => [
    label,
    fmt(f.connections),
    fmt(f.perSecond),
    fmt(f.cpuMsPerConn, 3),
    fmt(f.perCpuSecond),
    fmt(f.cores, 2),
  ];
  const ratioRow = (label: string, a: ConnectFigures, b: ConnectFigures) => [
    label,
    '',
    ratio(a.perSecond, b.perSecond),
    ratio(a.cpuMsPerConn, b.cpuMsPerConn),
    `**${ratio(a.perCpuSecond, b.perCpuSecond)}**`,
    ratio(a.cores, b.cores),
  ];
  const figure = (f: ConnectFigures) => ({
    deliveries: f.connections,
    perSecond: f.perSecond,
    perCpuSecond: f.perCpuSecond,
    cpuMsPerConn: f.cpuMsPerConn,
    cores: f.cores,
  });
  const allRecovered = rec.recovered === rec.clients;
  return {
    name: 'connect',
    title: 'Connection setup and recovery after a node crash',
    params: { connections: count, 'clients on the killed node': recoverCount, 'handshakes in flight': 100 },
    columns: [
      'server',
      'connections',
      'connects/s',
      'server CPU ms/connect',
      'connects per CPU-s',
      'server cores busy',
    ],
    rows: [
      row('switchboard', sb),
      row('socketio', sio),
      row('centrifugo', cf),
      ratioRow('ratio Switchboard/socket.io', sb, sio),
      ratioRow('ratio Switchboard/Centrifugo', sb, cf),
      [
        'Switchboard: SIGKILL + reconnect + recover',
        fmt(rec.clients),
        `${fmt(rec.recovered)} recovered ${rec.missed} missed publications`,
        `${fmt(rec.seconds, 2)} s from kill to the last client recovered`,
        '',
        '',
      ],
    ],
    targets: [
      {
        text: `${fmt(recoverCount)} clients reconnected and recovered < 10 s after their node is SIGKILLed`,
        met: allRecovered && rec.seconds < 10,
        figure: `${fmt(rec.seconds, 2)} s, ${fmt(rec.recovered)}/${fmt(rec.clients)} recovered`,
      },
    ],
    chart: [
      {
        label: 'connect',
        unit: 'connects per CPU-s',
        switchboard: sb.perCpuSecond,
        socketio: sio.perCpuSecond,
      },
    ],
    notes: [
      'Each connection: WebSocket upgrade, HS256 JWT verified, personal channel plus one shared channel (socket.io: engine.io handshake, auth middleware verifying the same JWT, two rooms).',
      "Centrifugo v6.9.1 runs as its Go binary (bench/centrifugo-server.ts) with the same secret, its personal channel subscription on and channels without a namespace open to client subscription; it gets the Switchboard JSON clients unchanged (connect with the token and subscribe to `shared` in one frame). Server CPU is every server's own, from `/proc/<pid>/stat` before and after the run, counting all of its threads: Go runs the handshakes on both cores of this machine (the load generator, one Node process signing and opening the clients, competes for the same two) while the Node servers run their JavaScript on one thread: the cores-busy column (server CPU-seconds per second of the run) shows how much of the machine each server took, Centrifugo's connects/s can gain from the second core, and CPU per connect and connects per CPU-second compare the work done whatever the cores.",
      'Recovery: clients of the killed node reconnect at once to the surviving node (at most 200 handshakes in flight) and resubscribe with their last epoch/offset; 5 publications are made while they are away. Done = `recovered: true` and the last offset received.',
    ],
    figures: {
      switchboard: figure(sb),
      socketio: figure(sio),
      centrifugo: figure(cf),
      'switchboard-recovery': { clients: rec.clients, recovered: rec.recovered, seconds: rec.seconds },
    },
  };
}
