/**
 * The load generator, forked by the benchmark: raw WebSocket clients and an HTTP publisher in one
 * process, driven by {@link LoadCommand}s over IPC (`{id, command}` in, `{id, result | error}` out).
 */
import { Agent, request } from 'node:http';
import { signToken } from '../src/auth/token-signer.js';
import { documentVersions } from './delta-document.js';
import { type BenchClient, type ClientOptions, Delivery, LoadClient } from './load-clients.js';
import { DocTracker } from './load-docs.js';
import type {
  ConnectCommand,
  ConnectResult,
  DocsCommand,
  DocsResult,
  GroupDocCounts,
  LoadCommand,
  PublishCommand,
  PublishResult,
  StormCommand,
  StormResult,
} from './load-protocol.js';
import { closeProxyClients, proxyConnect, proxyRpc } from './load-proxy.js';
import { armReconnect, waitRecovered } from './load-recovery.js';
import { isStreamProto, StreamLoadClient } from './load-streams.js';
import { BENCH_SECRET } from './servers.js';
import { nowMs, sleep } from './stats.js';

const sink = new Delivery();
const groups = new Map<string, BenchClient[]>();
const tokens = new Map<number, string>();
/** The documents of the current `docs` run in publishing order, shared by every {@link DocTracker}. */
const expectedDocs: string[] = [];

async function tokenFor(user: number): Promise<string> {
  let token = tokens.get(user);
  if (token === undefined) {
    token = await signToken({ sub: `u${user}` }, BENCH_SECRET);
    tokens.set(user, token);
  }
  return token;
}

/** Runs `task(i)` for i < count with at most `concurrency` at once. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function connect(cmd: ConnectCommand): Promise<ConnectResult> {
  const list = groups.get(cmd.group) ?? [];
  groups.set(cmd.group, list);
  const userTokens: (string | undefined)[] = [];
  for (let i = 0; i < cmd.count; i++) userTokens.push(cmd.tokens ? await tokenFor(cmd.first + i) : undefined);
  let failed = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  await pool(cmd.count, cmd.concurrency, async (i) => {
    const options: ClientOptions = {
      proto: cmd.proto,
      port: cmd.ports[i % cmd.ports.length]!,
      token: userTokens[i],
      channel: cmd.channel,
      track: cmd.track ?? false,
      keys: cmd.keys ?? false,
      delta: cmd.delta ?? false,
      docs: cmd.docs ? new DocTracker(expectedDocs) : undefined,
    };
    const client = isStreamProto(cmd.proto)
      ? new StreamLoadClient(sink, options)
      : new LoadClient(sink, options);
    try {
      await client.open();
      list.push(client);
    } catch (error) {
      failed++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  return { connected: cmd.count - failed, failed, seconds, ...(firstError ? { firstError } : {}) };
}

function payload(bytes: number): (t: number) => string {
  // `{"t":<18 chars>,"p":"…"}`: padded so the JSON payload is `bytes` long.
  const pad = 'x'.repeat(Math.max(0, bytes - 32));
  return (t) => `{"t":${t.toFixed(3)},"p":"${pad}"}`;
}

/** One kept-alive connection per request in flight; `fetch` allocates far more per request. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs a publish request; any HTTP or API error fails the run. */
function postJson(port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200 || text.includes('"error"'))
            reject(new Error(`publish failed: ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve();
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function post(cmd: PublishCommand, channels: string[], data: (t: number) => string): Promise<void> {
  let body: string;
  let path: string;
  if (cmd.proto === 'socketio') {
    path = '/publish';
    body = `{"publications":[${channels.map((c) => `{"channel":${JSON.stringify(c)},"data":${data(nowMs())}}`).join(',')}]}`;
  } else if (channels.length === 1) {
    path = '/api/publish';
    body = `{"channel":${JSON.stringify(channels[0])},"data":${data(nowMs())}}`;
  } else {
    path = '/api/batch';
    // Publications to random users need no order between them: let the batch run them at once.
    const parallel = cmd.channel === undefined ? ',"parallel":true' : '';
    body = `{"commands":[${channels.map((c) => `{"publish":{"channel":${JSON.stringify(c)},"data":${data(nowMs())}}}`).join(',')}]${parallel}}`;
  }
  await postJson(cmd.port, path, body);
}

async function publish(cmd: PublishCommand): Promise<PublishResult> {
  sink.reset();
  const data = payload(cmd.payloadBytes);
  const pick = (): string => cmd.channel ?? `#u${Math.floor(Math.random() * cmd.users)}`;
  const t0 = performance.now();
  const end = t0 + cmd.durationMs;
  let published = 0;
  if (cmd.rate > 0) {
    const interval = 1000 / cmd.rate;
    const pending: Promise<void>[] = [];
    for (let i = 0; ; i++) {
      const due = t0 + i * interval;
      if (due >= end) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      published++;
      pending.push(post(cmd, [pick()], data));
    }
    await Promise.all(pending);
  } else {
    // Delivery window: publications not yet delivered everywhere stay within two rounds of requests
    // (or `window` publications), so the servers' outbound queues cannot grow without bound.
    const window = (cmd.window ?? 2 * cmd.inflight * cmd.batch) * cmd.fanout;
    const worker = async () => {
      while (performance.now() < end) {
        await sink.waitFor(published * cmd.fanout - window, 10_000);
        published += cmd.batch;
        await post(cmd, Array.from({ length: cmd.batch }, pick), data);
      }
    };
    await Promise.all(Array.from({ length: cmd.inflight }, worker));
  }
  const expected = published * cmd.fanout;
  await sink.waitFor(expected, 10_000);
  const seconds = ((sink.lastAt || nowMs()) - (performance.timeOrigin + t0)) / 1000;
  return { published, delivered: sink.count, expected, seconds, latency: sink.latency.summary() };
}

/** Sends one batch of ticks; the publication order inside a request is kept by both servers. */
async function postTicks(cmd: StormCommand, ticks: { symbol: string; data: string }[]): Promise<void> {
  let body: string;
  let path: string;
  const channel = JSON.stringify(cmd.channel);
  if (cmd.proto === 'socketio') {
    path = '/publish';
    body = `{"publications":[${ticks.map((t) => `{"channel":${channel},"data":${t.data}}`).join(',')}]}`;
  } else {
    path = '/api/batch';
    body = `{"commands":[${ticks
      .map((t) => `{"publish":{"channel":${channel},"data":${t.data},"tags":{"symbol":"${t.symbol}"}}}`)
      .join(',')}]}`;
  }
  await postJson(cmd.port, path, body);
}

async function storm(cmd: StormCommand): Promise<StormResult> {
  sink.reset();
  const clients = (groups.get(cmd.group) ?? []).filter((c) => c.options.keys);
  for (const client of clients) client.latest.clear();
  const lastPublished = new Map<string, number>();
  const ticksOf = new Array<number>(cmd.symbols).fill(0);
  let seq = 0;
  let published = 0;
  // `{"symbol":"S<i>","price":<unique per tick>,"t":<send time>}`: symbol round-robin, price rising.
  const nextBatch = (): { symbol: string; data: string }[] => {
    const t = nowMs().toFixed(3);
    const out: { symbol: string; data: string }[] = [];
    for (let j = 0; j < cmd.batch; j++) {
      const i = seq++ % cmd.symbols;
      const n = ++ticksOf[i]!;
      const symbol = `S${i}`;
      const price = Math.round((100 + i + n / 100) * 100) / 100;
      lastPublished.set(symbol, price);
      out.push({ symbol, data: `{"symbol":"${symbol}","price":${price},"t":${t}}` });
    }
    published += cmd.batch;
    return out;
  };
  const interval = (1000 * cmd.batch) / cmd.rate;
  const window = 2 * cmd.inflight * cmd.batch * cmd.fanout;
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  const t0 = performance.now();
  const end = t0 + cmd.durationMs;
  let due = t0;
  // The closing round goes out alone, after every earlier request was answered, so the last tick
  // of every symbol is unambiguous whatever order concurrent requests were served in.
  const closing = Math.ceil(cmd.symbols / cmd.batch);
  while (due + closing * interval < end && failure === undefined) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    while (pending.size >= cmd.inflight) await Promise.race(pending);
    if (cmd.fanout > 0) await sink.waitFor(published * cmd.fanout - window, 10_000);
    const p: Promise<void> = postTicks(cmd, nextBatch()).then(
      () => {
        pending.delete(p);
      },
      (error: unknown) => {
        pending.delete(p);
        failure ??= error;
      },
    );
    pending.add(p);
    // Behind schedule (server or window holding back): no catching up in a burst.
    due = Math.max(due + interval, performance.now() - interval);
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  for (let k = 0; k < closing; k++) await postTicks(cmd, nextBatch());
  const publishSeconds = (performance.now() - t0) / 1000;
  if (cmd.fanout > 0) await sink.waitFor(published * cmd.fanout, 10_000);
  else {
    // Conflated: the trailing edges follow within an interval; wait until deliveries stop.
    const deadline = performance.now() + 10_000;
    let count = -1;
    let since = performance.now();
    while (performance.now() < deadline) {
      await sleep(20);
      if (sink.count !== count) {
        count = sink.count;
        since = performance.now();
      } else if (performance.now() - since >= cmd.quietMs) break;
    }
  }
  const seconds = ((sink.lastAt || nowMs()) - (performance.timeOrigin + t0)) / 1000;
  const latestOk = clients.filter((c) =>
    [...lastPublished].every(([symbol, price]) => c.latest.get(symbol) === price),
  ).length;
  return {
    published,
    publishSeconds,
    delivered: sink.count,
    seconds,
    latency: sink.latency.summary(),
    tracked: clients.length,
    latestOk,
  };
}

async function docs(cmd: DocsCommand): Promise<DocsResult> {
  const tracked = [...groups].flatMap(([name, list]) =>
    list.flatMap((c) => (c.options.docs ? [{ name, docs: c.options.docs }] : [])),
  );
  expectedDocs.length = 0;
  for (const t of tracked) t.docs.reset();
  const next = documentVersions(cmd.docBytes);
  const channel = JSON.stringify(cmd.channel);
  // One at a time: each version's delta is against the one before, so they must go out in order.
  for (let i = 0; i < cmd.publications; i++) {
    const doc = next();
    expectedDocs.push(doc);
    await postJson(cmd.port, '/api/publish', `{"channel":${channel},"data":${doc}}`);
  }
  const deadline = performance.now() + cmd.timeoutMs;
  while (tracked.some((t) => t.docs.publications < cmd.publications) && performance.now() < deadline)
    await sleep(10);
  const out: Record<string, GroupDocCounts> = {};
  for (const { name, docs } of tracked) {
    const c = docs.counts();
    const g: GroupDocCounts = out[name] ?? {
      clients: 0,
      deltaNegotiated: 0,
      bytes: 0,
      frames: 0,
      publications: 0,
      deltas: 0,
      matched: 0,
    };
    out[name] = g;
    g.clients++;
    if (docs.deltaNegotiated) g.deltaNegotiated++;
    g.bytes += c.bytes;
    g.frames += c.frames;
    g.publications += c.publications;
    g.deltas += c.deltas;
    g.matched += c.matched;
    if (c.firstError !== undefined) g.firstError ??= c.firstError;
  }
  return { published: cmd.publications, docBytes: Buffer.byteLength(expectedDocs[0] ?? ''), groups: out };
}

function close(group?: string): Record<string, never> {
  for (const [name, list] of groups) {
    if (group !== undefined && name !== group) continue;
    for (const client of list) client.close();
    groups.delete(name);
  }
  return {};
}

function run(command: LoadCommand): Promise<unknown> | unknown {
  switch (command.type) {
    case 'connect':
      return connect(command);
    case 'publish':
      return publish(command);
    case 'storm':
      return storm(command);
    case 'arm-reconnect':
      return armReconnect(groups.get(command.group) ?? [], command);
    case 'wait-recovered':
      return waitRecovered(groups.get(command.group) ?? [], command);
    case 'docs':
      return docs(command);
    case 'proxy-connect':
      return proxyConnect(command);
    case 'proxy-rpc':
      return proxyRpc(command);
    case 'close':
      closeProxyClients(command.group);
      return close(command.group);
  }
}

process.on('message', (msg: { id: number; command: LoadCommand }) => {
  Promise.resolve()
    .then(() => run(msg.command))
    .then(
      (result) => process.send?.({ id: msg.id, result }),
      (error: unknown) =>
        process.send?.({ id: msg.id, error: error instanceof Error ? error.message : String(error) }),
    );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, result: 'ready' });
