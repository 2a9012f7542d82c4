/**
 * The measured runs of the proxy scenario (bench/scenarios/proxy.ts): a burst of handshakes or
 * connects through one auth path, and a steady RPC rate; each opens its client group in the load
 * generator and closes it, and leaves the node with no client.
 */

import { machineCores } from '../ingest-procs.js';
import type { ProxyConnectCommand, ProxyConnectResult, Quantiles } from '../load-protocol.js';
import type { ProxyBackend } from '../proxy-backend.js';
import type { BenchServer } from '../servers.js';
import { cpuSeconds, sleep } from '../stats.js';
import { fmt, type ScenarioContext } from './common.js';

export type Auth = 'jwt' | 'proxy';
export const AUTH_LABEL: Record<Auth, string> = { jwt: 'JWT', proxy: 'connect proxy' };

/** Waits until the node has dropped every client closed so far, so one phase's teardown is not in the next. */
async function drained(server: BenchServer): Promise<void> {
  for (let i = 0; i < 100 && (await server.stats()).conns > 0; i++) await sleep(50);
}

export async function openGroup(
  ctx: ScenarioContext,
  cmd: Omit<ProxyConnectCommand, 'type'>,
): Promise<ProxyConnectResult> {
  const res = await ctx.load.run({ type: 'proxy-connect', ...cmd });
  if (res.failed > 0) throw new Error(`proxy: ${res.failed} connects failed: ${res.firstError}`);
  return res;
}

export async function closeGroup(ctx: ScenarioContext, server: BenchServer, group: string): Promise<void> {
  await ctx.load.run({ type: 'close', group });
  await drained(server);
}

/** CPU seconds of the node and the backend over a run, and the machine's busy cores. */
interface NodeCpu {
  serverCpu: number;
  backendCpu: number;
  /** Wall seconds between the CPU readings. */
  wall: number;
  /** Cores the whole machine kept busy over `wall`: the node, the backend, the load, the parent, the rest. */
  machineCores: number;
}

/** What `run` returned, with the CPU around it. */
interface Measured<T> extends NodeCpu {
  result: T;
  /** TCP connections the backend gained meanwhile. */
  backendSockets: number;
}

/** The CPU of every process of a run: the node's and the backend's, and the load generator's. */
export interface RunCpu extends NodeCpu {
  loadCpu: number;
}

/** The cores each process kept busy, for the log. */
function coresText(f: RunCpu): string {
  return `cores: node ${fmt(f.serverCpu / f.wall, 2)}, backend ${fmt(f.backendCpu / f.wall, 2)}, load ${fmt(f.loadCpu / f.wall, 2)}, machine ${fmt(f.machineCores, 2)}`;
}

async function measured<T>(
  server: BenchServer,
  backend: ProxyBackend,
  run: () => Promise<T>,
): Promise<Measured<T>> {
  const [s0, b0] = await Promise.all([server.stats(), backend.stats()]);
  const machine = machineCores();
  const result = await run();
  const { wall, cores } = machine.stop();
  const [s1, b1] = await Promise.all([server.stats(), backend.stats()]);
  return {
    result,
    serverCpu: cpuSeconds(s0.cpu, s1.cpu),
    backendCpu: cpuSeconds(b0.cpu, b1.cpu),
    wall,
    machineCores: cores,
    backendSockets: b1.conns - b0.conns,
  };
}

/** A burst's figures; its `wall` includes the JWTs the load generator signs. */
export interface BurstFigures extends RunCpu {
  connects: number;
  seconds: number;
  perSecond: number;
  /** TCP connections the node opened to the backend during the run. */
  backendSockets: number;
  latency: Quantiles;
}

/** `count` connects, `concurrency` in flight, all with a JWT or all through the connect proxy. */
export async function burst(
  ctx: ScenarioContext,
  server: BenchServer,
  backend: ProxyBackend,
  auth: Auth,
  count: number,
  concurrency: number,
  first: number,
): Promise<BurstFigures> {
  const m = await measured(server, backend, () =>
    openGroup(ctx, { group: 'burst', port: server.port, count, first, auth, concurrency }),
  );
  await closeGroup(ctx, server, 'burst');
  const { result: res, ...cpu } = m;
  const f: BurstFigures = {
    ...cpu,
    connects: res.connected,
    seconds: res.seconds,
    perSecond: res.connected / res.seconds,
    loadCpu: res.loadCpu,
    latency: res[auth],
  };
  ctx.log(
    `  ${AUTH_LABEL[auth]}: ${fmt(f.perSecond)} connects/s, node ${fmt((f.serverCpu * 1000) / f.connects, 3)} CPU ms each; ${coresText(f)}; ${f.backendSockets} backend sockets`,
  );
  return f;
}

export interface SteadyFigures extends RunCpu {
  sent: number;
  answered: number;
  seconds: number;
  perSecond: number;
  latency: Quantiles;
}

/** `command` at `rate`/s for `seconds` over the `rpc` group, with every process's CPU. */
export async function steady(
  ctx: ScenarioContext,
  server: BenchServer,
  backend: ProxyBackend,
  command: 'rpc' | 'ping',
  rate: number,
  seconds: number,
  payloadBytes: number,
): Promise<SteadyFigures> {
  const m = await measured(server, backend, () =>
    ctx.load.run({
      type: 'proxy-rpc',
      group: 'rpc',
      command,
      rate,
      durationMs: seconds * 1000,
      payloadBytes,
    }),
  );
  const res = m.result;
  if (res.errors > 0) throw new Error(`proxy: ${res.errors} ${command} calls failed`);
  const f: SteadyFigures = {
    sent: res.sent,
    answered: res.answered,
    seconds: res.sendSeconds,
    perSecond: res.sent / res.sendSeconds,
    serverCpu: m.serverCpu,
    backendCpu: m.backendCpu,
    loadCpu: res.loadCpu,
    wall: m.wall,
    machineCores: m.machineCores,
    latency: res.latency,
  };
  ctx.log(
    `  ${command}: ${fmt(f.perSecond)}/s, p50 ${fmt(f.latency.p50, 2)} ms, p99 ${fmt(f.latency.p99, 2)} ms; ${coresText(f)}`,
  );
  return f;
}
