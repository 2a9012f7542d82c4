/**
 * The load generator's proxy commands: raw JSON WebSocket clients that connect with a JWT or with no
 * token (the node asks its connect proxy), timing each handshake from the socket's `open` to the
 * connect reply; and a paced RPC generator over connected clients, timing each call from its send
 * to its reply. Samples are kept whole (at most a few tens of thousands), so any percentile is exact.
 */
import WebSocket from 'ws';
import { signToken } from '../src/auth/token-signer.js';
import type {
  ProxyConnectCommand,
  ProxyConnectResult,
  ProxyRpcCommand,
  ProxyRpcResult,
  Quantiles,
} from './load-protocol.js';
import { BENCH_SECRET } from './servers.js';
import { sleep } from './stats.js';

/** Exact quantiles of a list of milliseconds. */
export function quantiles(samples: number[]): Quantiles {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? 0 : sum / sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
  };
}

/** One connected client: answers pings, matches replies to calls by id. */
class ProxyClient {
  private ws!: WebSocket;
  private nextId = 2;
  /** Call id → `performance.now()` at send. */
  private readonly pending = new Map<number, { sentAt: number; done: (ms: number, ok: boolean) => void }>();

  /**
   * Opens the socket and connects (with `token`, or with none so the node asks its connect proxy);
   * resolves with the milliseconds from `open` to the connect reply.
   */
  open(port: number, token: string | undefined): Promise<number> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, { perMessageDeflate: false });
    this.ws = ws;
    const frame = token === undefined ? '{"id":1,"connect":{}}' : `{"id":1,"connect":{"token":"${token}"}}`;
    return new Promise<number>((resolve, reject) => {
      let openedAt = 0;
      let ready = false;
      const fail = (why: string) => {
        if (ready) return;
        ready = true;
        ws.terminate();
        reject(new Error(why));
      };
      ws.on('error', (e) => fail(e.message));
      ws.on('close', () => fail('closed during handshake'));
      ws.on('open', () => {
        openedAt = performance.now();
        ws.send(frame);
      });
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        for (const line of data.toString().split('\n')) {
          if (line === '') continue;
          if (line === '{}') {
            ws.send('{}');
            continue;
          }
          const msg = JSON.parse(line) as { id?: number; error?: { code: number; message: string } };
          if (!ready) {
            if (msg.error) fail(`connect error ${msg.error.code} ${msg.error.message}`);
            else if (msg.id === 1) {
              ready = true;
              resolve(at - openedAt);
            }
            continue;
          }
          const call = msg.id === undefined ? undefined : this.pending.get(msg.id);
          if (call === undefined) continue;
          this.pending.delete(msg.id!);
          call.done(at - call.sentAt, msg.error === undefined);
        }
      });
    });
  }

  /**
   * Sends one command, `rpc` (method `echo` with `data`) or `ping` (answered by the node itself);
   * `done` gets the round trip and whether the reply was not an error.
   */
  call(command: 'rpc' | 'ping', data: string, done: (ms: number, ok: boolean) => void): void {
    const id = this.nextId++;
    this.pending.set(id, { sentAt: performance.now(), done });
    this.ws.send(
      command === 'rpc' ? `{"id":${id},"rpc":{"method":"echo","data":${data}}}` : `{"id":${id},"ping":{}}`,
    );
  }

  close(): void {
    this.ws.terminate();
  }
}

const groups = new Map<string, ProxyClient[]>();
const tokens = new Map<number, string>();

/** Opens `count` clients, `concurrency` handshakes at a time, and times each handshake. */
export async function proxyConnect(cmd: ProxyConnectCommand): Promise<ProxyConnectResult> {
  const list = groups.get(cmd.group) ?? [];
  groups.set(cmd.group, list);
  // From before the JWTs are signed: the load generator's CPU over the whole command.
  const cpu0 = process.cpuUsage();
  const withToken = (i: number) => cmd.auth === 'jwt' || (cmd.auth === 'alternate' && i % 2 === 0);
  const userTokens: (string | undefined)[] = [];
  for (let i = 0; i < cmd.count; i++) {
    const user = cmd.first + i;
    let token = tokens.get(user);
    if (withToken(i) && token === undefined) {
      token = await signToken({ sub: `u${user}` }, BENCH_SECRET);
      tokens.set(user, token);
    }
    userTokens.push(withToken(i) ? token : undefined);
  }
  const jwt: number[] = [];
  const proxy: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < cmd.count) {
      const i = next++;
      const client = new ProxyClient();
      try {
        const ms = await client.open(cmd.port, userTokens[i]);
        (userTokens[i] === undefined ? proxy : jwt).push(ms);
        list.push(client);
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.count) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    connected: cmd.count - failed,
    failed,
    seconds,
    loadCpu: (cpu.user + cpu.system) / 1e6,
    jwt: quantiles(jwt),
    proxy: quantiles(proxy),
    ...(firstError ? { firstError } : {}),
  };
}

/** Sends `rpc` (or `ping`) at `rate` per second for `durationMs`, round-robin over the group's clients. */
export async function proxyRpc(cmd: ProxyRpcCommand): Promise<ProxyRpcResult> {
  const clients = groups.get(cmd.group) ?? [];
  if (clients.length === 0) throw new Error(`no clients in group ${cmd.group}`);
  const pad = 'x'.repeat(Math.max(0, cmd.payloadBytes - 32));
  const samples: number[] = [];
  let sent = 0;
  let answered = 0;
  let errors = 0;
  let allAnswered: () => void = () => {};
  const done = (ms: number, ok: boolean) => {
    answered++;
    if (ok) samples.push(ms);
    else errors++;
    if (answered === sent) allAnswered();
  };
  const cpu0 = process.cpuUsage();
  const interval = 1000 / cmd.rate;
  const t0 = performance.now();
  const end = t0 + cmd.durationMs;
  for (let i = 0; ; i++) {
    const due = t0 + i * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sent++;
    clients[i % clients.length]!.call(cmd.command, `{"i":${i},"p":"${pad}"}`, done);
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  if (answered < sent) {
    await Promise.race([
      new Promise<void>((r) => {
        allAnswered = r;
      }),
      sleep(10_000),
    ]);
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    sent,
    answered,
    errors,
    sendSeconds,
    loadCpu: (cpu.user + cpu.system) / 1e6,
    latency: quantiles(samples),
  };
}

export function closeProxyClients(group?: string): void {
  for (const [name, list] of groups) {
    if (group !== undefined && name !== group) continue;
    for (const client of list) client.close();
    groups.delete(name);
  }
}
