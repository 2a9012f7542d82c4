/**
 * The HTTP proxies (Switchboard only): what the connect proxy adds to a handshake against a JWT
 * connect, connects/s through it with keep-alive, and the RPC proxy's round trip at a steady rate.
 * One node, one application backend (bench/proxy-backend-process.ts) and the load generator, each in
 * its own process.
 */

import type { Quantiles } from '../load-protocol.js';
import { startProxyBackend } from '../proxy-backend.js';
import { type BenchServer, startServer } from '../servers.js';
import { fmt, ratio, type ScenarioContext, type ScenarioResult, size } from './common.js';
import {
  AUTH_LABEL,
  type Auth,
  type BurstFigures,
  burst,
  closeGroup,
  openGroup,
  type SteadyFigures,
  steady,
} from './proxy-runs.js';

const latencyCells = (q: Quantiles): string[] => [fmt(q.p50, 2), fmt(q.p95, 2), fmt(q.p99, 2), fmt(q.max, 1)];
const perCall = (cpuSeconds: number, calls: number): string => fmt((cpuSeconds * 1000) / calls, 3);
const quantileRecord = (q: Quantiles): Record<string, number> => ({
  deliveries: q.count,
  mean: q.mean,
  p50: q.p50,
  p95: q.p95,
  p99: q.p99,
  max: q.max,
});

export async function proxy(ctx: ScenarioContext): Promise<ScenarioResult> {
  const handshakes = size(ctx, 'handshakes', 1000, 50);
  const connects = size(ctx, 'connects', 5000, 300);
  const concurrency = size(ctx, 'concurrency', 200, 50);
  const clients = size(ctx, 'clients', 100, 20);
  const rate = size(ctx, 'rate', 1000, 200);
  const seconds = size(ctx, 'seconds', 10, 1);
  const payloadBytes = 100;
  const backend = await startProxyBackend();
  let server: BenchServer | undefined;
  try {
    server = await startServer('switchboard', {
      name: 'bench-proxy',
      config: {
        client: {
          proxy: { connect: { enabled: true, endpoint: `${backend.url}/connect`, timeout: '1s' } },
        },
        rpc: {
          proxy: { endpoint: `${backend.url}/rpc`, timeout: '1s' },
          without_namespace: { proxy_enabled: true },
        },
      },
    });
    const port = server.port;
    let first = 0;
    const users = (n: number) => {
      const at = first;
      first += n;
      return at;
    };

    // Warm-up (JIT, the node's keep-alive pool), then one handshake at a time, JWT and proxy
    // alternately, so both see the same machine at the same moment.
    const warm = Math.min(200, handshakes);
    await openGroup(ctx, {
      group: 'warm',
      port,
      count: 2 * warm,
      first: users(2 * warm),
      auth: 'alternate',
      concurrency: 1,
    });
    await closeGroup(ctx, server, 'warm');
    const seq = await openGroup(ctx, {
      group: 'seq',
      port,
      count: 2 * handshakes,
      first: users(2 * handshakes),
      auth: 'alternate',
      concurrency: 1,
    });
    await closeGroup(ctx, server, 'seq');
    const added = {
      p50: seq.proxy.p50 - seq.jwt.p50,
      p95: seq.proxy.p95 - seq.jwt.p95,
      p99: seq.proxy.p99 - seq.jwt.p99,
    };
    ctx.log(
      `  handshake p50: JWT ${fmt(seq.jwt.p50, 3)} ms, proxy ${fmt(seq.proxy.p50, 3)} ms (+${fmt(added.p50, 3)} ms)`,
    );

    // Many clients connecting at once: JWT, then the connect proxy.
    const jwt = await burst(ctx, server, backend, 'jwt', connects, concurrency, users(connects));
    const prox = await burst(ctx, server, backend, 'proxy', connects, concurrency, users(connects));

    // RPC through the proxy at a steady rate over connected clients; first `ping`s at the same rate
    // over the same clients, which the node answers itself: the round trip without the backend.
    await openGroup(ctx, {
      group: 'rpc',
      port,
      count: clients,
      first: users(clients),
      auth: 'proxy',
      concurrency: 20,
    });
    const floor = await steady(ctx, server, backend, 'ping', rate, seconds, payloadBytes);
    const rpc = await steady(ctx, server, backend, 'rpc', rate, seconds, payloadBytes);
    await closeGroup(ctx, server, 'rpc');
    const rpcAdded = {
      p50: rpc.latency.p50 - floor.latency.p50,
      p95: rpc.latency.p95 - floor.latency.p95,
      p99: rpc.latency.p99 - floor.latency.p99,
    };

    const burstRow = (auth: Auth, f: BurstFigures): string[] => [
      `${fmt(connects)} connects, ${concurrency} in flight`,
      AUTH_LABEL[auth],
      fmt(f.connects),
      fmt(f.perSecond),
      ...latencyCells(f.latency),
      perCall(f.serverCpu, f.connects),
      auth === 'proxy' ? perCall(f.backendCpu, f.connects) : '',
    ];
    const steadyRow = (label: string, f: SteadyFigures): string[] => [
      `${fmt(rate)}/s over ${fmt(clients)} clients`,
      label,
      `${fmt(f.answered)}${f.answered < f.sent ? ` (of ${fmt(f.sent)})` : ''}`,
      fmt(f.perSecond),
      ...latencyCells(f.latency),
      perCall(f.serverCpu, f.answered),
      label === 'rpc proxy' ? perCall(f.backendCpu, f.answered) : '',
    ];
    const cores = (cpu: number, s: number) => fmt(cpu / s, 2);
    const allAnswered = rpc.answered === rpc.sent;
    const achieved = rpc.perSecond;
    return {
      name: 'proxy',
      title: 'HTTP proxies: connect and RPC through the application backend',
      params: {
        'sequential handshakes per way': handshakes,
        'connects per way': connects,
        'handshakes in flight': concurrency,
        'RPC clients': clients,
        'rpc/s': rate,
        'RPC seconds': seconds,
        'RPC data bytes': payloadBytes,
      },
      columns: [
        'phase',
        'auth',
        'calls',
        'per second',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'server CPU ms/call',
        'backend CPU ms/call',
      ],
      rows: [
        ['one handshake at a time', AUTH_LABEL.jwt, fmt(seq.jwt.count), '', ...latencyCells(seq.jwt), '', ''],
        [
          'one handshake at a time',
          AUTH_LABEL.proxy,
          fmt(seq.proxy.count),
          '',
          ...latencyCells(seq.proxy),
          '',
          '',
        ],
        [
          'one handshake at a time',
          '**added by the proxy**',
          '',
          '',
          `**${fmt(added.p50, 3)}**`,
          fmt(added.p95, 3),
          fmt(added.p99, 3),
          '',
          '',
          '',
        ],
        burstRow('jwt', jwt),
        burstRow('proxy', prox),
        [
          `${fmt(connects)} connects, ${concurrency} in flight`,
          'ratio proxy/JWT',
          '',
          `**${ratio(prox.perSecond, jwt.perSecond)}**`,
          ratio(prox.latency.p50, jwt.latency.p50),
          ratio(prox.latency.p95, jwt.latency.p95),
          ratio(prox.latency.p99, jwt.latency.p99),
          '',
          ratio(prox.serverCpu / prox.connects, jwt.serverCpu / jwt.connects),
          '',
        ],
        steadyRow('ping (answered by the node)', floor),
        steadyRow('rpc proxy', rpc),
        [
          `${fmt(rate)}/s over ${fmt(clients)} clients`,
          '**added by the proxy**',
          '',
          '',
          `**${fmt(rpcAdded.p50, 3)}**`,
          fmt(rpcAdded.p95, 3),
          fmt(rpcAdded.p99, 3),
          '',
          fmt(((rpc.serverCpu - floor.serverCpu) * 1000) / rpc.answered, 3),
          '',
        ],
      ],
      targets: [
        {
          text: 'connect proxy: p50 handshake latency added over a JWT connect ≤ 1 ms (one at a time, same run)',
          met: added.p50 <= 1,
          figure: `+${fmt(added.p50, 3)} ms (p50 ${fmt(seq.proxy.p50, 3)} vs ${fmt(seq.jwt.p50, 3)} ms)`,
        },
        {
          text: 'connect proxy: ≥ 5,000 connects/s per node with keep-alive',
          met: prox.perSecond >= 5000,
          figure: `${fmt(prox.perSecond)} connects/s (JWT ${fmt(jwt.perSecond)}, same run)`,
        },
        {
          text: `rpc proxy: ${fmt(rate)} rpc/s sustained, every call answered (p99 reported)`,
          met: allAnswered && achieved >= 0.98 * rate,
          figure: `${fmt(achieved)} rpc/s, p50 ${fmt(rpc.latency.p50, 2)} ms, p99 ${fmt(rpc.latency.p99, 2)} ms (node-answered ping at the same rate: p99 ${fmt(floor.latency.p99, 2)} ms)`,
        },
      ],
      chart: [],
      notes: [
        `One node with the connect proxy (\`client.proxy.connect\`, timeout 1 s) and the RPC proxy (\`rpc.without_namespace.proxy_enabled\`) pointing at a bare \`node:http\` backend in its own process, which answers \`/connect\` with \`{"result":{"user":"<n>"}}\` and \`/rpc\` with the call's data echoed. A connect with a JWT is verified by the node (HS256); a connect without a token is one \`POST /connect\` through the node's kept-alive agent. Clients connect only (no subscriptions) in both cases, so the difference is the authentication.`,
        `Handshake latency is timed in the load generator from the WebSocket's \`open\` (upgrade done) to the connect reply. One handshake at a time, JWT and proxy alternating, after ${fmt(warm)} of each as warm-up: the proxy adds ${fmt(added.p50, 3)} ms at p50 (${fmt(seq.proxy.p50, 3)} vs ${fmt(seq.jwt.p50, 3)} ms), which is the backend's HTTP round trip on loopback plus the node encoding the request and parsing the answer.`,
        `Connect rate: ${fmt(connects)} clients per way, ${concurrency} handshakes in flight (each from a new TCP connection and WebSocket upgrade), all JWT then all through the proxy; latency columns are per handshake under that load. Through the proxy the node opened ${fmt(prox.backendSockets)} TCP connections to the backend for ${fmt(prox.connects)} connects (keep-alive; at most one per call in flight).`,
        `The machine has 2 cores shared by the node, the backend, the load generator (all clients in one process) and the benchmark's parent, and by whatever else runs on it: each process's CPU is its own \`process.cpuUsage()\`, the machine's is from /proc/stat over the same run. Cores busy during the proxy connect run: node ${cores(prox.serverCpu, prox.wall)}, backend ${cores(prox.backendCpu, prox.wall)}, load generator ${cores(prox.loadCpu, prox.wall)}, whole machine ${fmt(prox.machineCores, 2)} (JWT run: node ${cores(jwt.serverCpu, jwt.wall)}, load generator ${cores(jwt.loadCpu, jwt.wall)}, machine ${fmt(jwt.machineCores, 2)}). Connect rates are bounded by the machine, not by the node alone; server CPU ms per connect is the node's own cost and the steadier figure.`,
        "Where the time goes (`BENCH_SERVER_ARGS=--cpu-prof`, the node's profile during each connect run): a JWT connect is the TCP accept, the WebSocket upgrade, the connect command, and jose's HS256 verification through WebCrypto, which takes about 40% of the node's busy time (an HMAC key import on every verification included); a proxy connect replaces that verification with one Node `http.request` through the kept-alive agent (request object, agent bookkeeping, the `writev` of the request, the response parser, about a quarter of the node's busy time), so the node's CPU per connect is within about 10% either way. `HttpProxyCaller` costs what a bare `http.request` on the same agent costs (160–170 µs of CPU per call in a loop against this backend on this machine; building the request options once instead of from the URL changed nothing measurable); a minimal hand-written HTTP/1.1 keep-alive client over `net.Socket` took 51 µs per call, the change that would cut the proxy's own cost by about two thirds. 5,000 connects/s per node would need about 0.2 ms of node CPU per connect on a core of its own; here it is 0.55–0.75 ms with a JWT as with the proxy, so one Node process on this machine cannot reach it whichever the authentication.",
        `RPC: ${fmt(clients)} clients connected through the proxy; one generator sends \`rpc\` (method \`echo\`, ${payloadBytes} bytes of JSON data) round-robin over them at ${fmt(rate)}/s for ${seconds} s, open loop (a call is sent when due, whatever is outstanding), timing each from its send to its reply; the node forwards each to \`POST /rpc\`. Before it, the same generator sends protocol \`ping\` commands at the same rate over the same clients, which the node answers itself: the same WebSocket round trip without the backend, so the difference is what the proxy adds. Cores busy during the rpc run: node ${cores(rpc.serverCpu, rpc.wall)}, backend ${cores(rpc.backendCpu, rpc.wall)}, load generator ${cores(rpc.loadCpu, rpc.wall)}, whole machine ${fmt(rpc.machineCores, 2)} (ping run: ${fmt(floor.machineCores, 2)}); the tail (p95 and beyond) is where other work on the machine shows first, the ping row being the floor for the same load.`,
      ],
      figures: {
        'switchboard-handshake-jwt': quantileRecord(seq.jwt),
        'switchboard-handshake-proxy': quantileRecord(seq.proxy),
        'switchboard-burst-jwt': {
          ...quantileRecord(jwt.latency),
          perSecond: jwt.perSecond,
          serverCpu: jwt.serverCpu,
          loadCpu: jwt.loadCpu,
          machineCores: jwt.machineCores,
        },
        'switchboard-burst-proxy': {
          ...quantileRecord(prox.latency),
          perSecond: prox.perSecond,
          serverCpu: prox.serverCpu,
          backendCpu: prox.backendCpu,
          loadCpu: prox.loadCpu,
          machineCores: prox.machineCores,
          backendSockets: prox.backendSockets,
        },
        'switchboard-rpc-ping': {
          ...quantileRecord(floor.latency),
          sent: floor.sent,
          perSecond: floor.perSecond,
          serverCpu: floor.serverCpu,
          loadCpu: floor.loadCpu,
          machineCores: floor.machineCores,
        },
        'switchboard-rpc': {
          ...quantileRecord(rpc.latency),
          sent: rpc.sent,
          perSecond: rpc.perSecond,
          serverCpu: rpc.serverCpu,
          backendCpu: rpc.backendCpu,
          loadCpu: rpc.loadCpu,
          machineCores: rpc.machineCores,
        },
      },
    };
  } finally {
    await ctx.load.run({ type: 'close' });
    await server?.stop();
    await backend.stop();
  }
}
