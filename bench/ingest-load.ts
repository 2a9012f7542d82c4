/**
 * The `ingest` scenario's load process, forked by the benchmark: JSON WebSocket subscribers (the
 * load generator's {@link LoadClient}) and three producers of the same publications — a kafkajs
 * producer, an ioredis client adding stream entries, and an HTTP client of the server API — driven
 * by {@link IngestCommand}s over IPC. Each publication's data carries its send time (`"t":<ms>`),
 * which the subscribers read, so latency is from the producer's call to the subscriber's read.
 */
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { signToken } from '../src/auth/token-signer.js';
import type {
  IngestCommand,
  IngestConnect,
  IngestConnectResult,
  IngestFlood,
  IngestLatency,
  IngestPath,
  IngestRunResult,
  IngestSetup,
  IngestSteady,
} from './ingest-protocol.js';
import { Delivery, LoadClient } from './load-clients.js';
import { BENCH_SECRET } from './servers.js';
import { nowMs, sleep } from './stats.js';

/** Latency in fixed 0.05 ms buckets up to 10 s (as the benchmark's histogram), with p95 too. */
class Quantiles {
  private readonly counts = new Uint32Array(200_001);
  private total = 0;
  private maxMs = 0;

  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    const i = Math.min(200_000, Math.floor(v / 0.05));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total++;
    if (v > this.maxMs) this.maxMs = v;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxMs = 0;
  }

  summary(): IngestLatency {
    const q = (p: number): number => {
      if (this.total === 0) return 0;
      const rank = Math.ceil(p * this.total);
      let seen = 0;
      for (let i = 0; i < this.counts.length; i++) {
        seen += this.counts[i]!;
        if (seen >= rank) return Math.min(this.maxMs, (i + 1) * 0.05);
      }
      return this.maxMs;
    };
    return { count: this.total, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: this.maxMs };
  }
}

/**
 * The shared delivery sink, also remembering when a run's first delivery arrived, and recording
 * latency (with p95) into `quantiles`, which a steady run points at its key's accumulator.
 */
class Sink extends Delivery {
  firstAt = 0;
  quantiles = new Quantiles();
  override add(now: number, sentAt: number): void {
    if (!Number.isNaN(sentAt)) this.quantiles.record(now - sentAt);
    super.add(now, sentAt);
  }
  override settle(now: number): void {
    if (this.firstAt === 0) this.firstAt = now;
    super.settle(now);
  }
  override reset(): void {
    this.firstAt = 0;
    super.reset();
  }
}

const sink = new Sink();
/** Producer call to its answer (broker ack, API response), per request. */
let acks = new Quantiles();
/** A flood's own latency; each steady key's accumulated latency and acks. */
const floodQuantiles = new Quantiles();
const floodAcks = new Quantiles();
const accumulated = new Map<string, { latency: Quantiles; acks: Quantiles }>();
const clients: LoadClient[] = [];
let setup: IngestSetup | undefined;
let redis: Redis | undefined;
let producer: Producer | undefined;
/** Kept-alive connections to the node, new for every run: the node closes those left idle between runs. */
let agent = new Agent({ keepAlive: true, maxSockets: 256 });
function freshAgent(): void {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 256 });
}

/** `{"t":<send ms>,"p":"xx…"}`, `bytes` long. */
function payload(bytes: number): (t: number) => string {
  const pad = 'x'.repeat(Math.max(0, bytes - 32));
  return (t) => `{"t":${t.toFixed(3)},"p":"${pad}"}`;
}

async function doSetup(cmd: IngestSetup): Promise<Record<string, never>> {
  setup = cmd;
  if (cmd.redisUrl !== undefined && redis === undefined) {
    redis = new Redis(cmd.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
    await redis.connect();
  }
  if (cmd.kafkaBroker !== undefined && producer === undefined) {
    const kafka = new Kafka({
      clientId: 'bench-producer',
      brokers: [cmd.kafkaBroker],
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
  }
  return {};
}

async function connect(cmd: IngestConnect): Promise<IngestConnectResult> {
  let failed = 0;
  let firstError: string | undefined;
  const opened = await Promise.all(
    Array.from({ length: cmd.count }, async (_, i) => {
      const token = await signToken({ sub: `u${cmd.first + i}` }, BENCH_SECRET);
      const client = new LoadClient(sink, {
        proto: 'switchboard',
        port: cmd.port,
        token,
        channel: cmd.channel,
      });
      try {
        await client.open();
        return client;
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
        return undefined;
      }
    }),
  );
  for (const c of opened) if (c !== undefined) clients.push(c);
  return { connected: cmd.count - failed, failed, ...(firstError === undefined ? {} : { firstError }) };
}

/**
 * POSTs `body`; any HTTP or API error fails the run. A kept-alive socket the node closed as it was
 * reused (its idle timeout racing the request) resets before the request is read: sent again once,
 * as Node's documentation advises for `req.reusedSocket` (a few times: the next idle socket may be closing too).
 */
function postJson(path: string, body: string, retries = 3): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: setup!.port,
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
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (retries > 0 && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'))
        postJson(path, body, retries - 1).then(resolve, reject);
      else reject(error);
    });
    req.end(body);
  });
}

/** Sends `count` publications of `channel` as one request on `path`, each stamped now. */
function produce(
  path: IngestPath,
  channel: string,
  count: number,
  data: (t: number) => string,
): Promise<void> {
  const ch = JSON.stringify(channel);
  switch (path) {
    case 'http': {
      if (count === 1) return postJson('/api/publish', `{"channel":${ch},"data":${data(nowMs())}}`);
      const commands: string[] = [];
      for (let i = 0; i < count; i++) commands.push(`{"publish":{"channel":${ch},"data":${data(nowMs())}}}`);
      return postJson('/api/batch', `{"commands":[${commands.join(',')}]}`);
    }
    case 'kafka': {
      const messages: { value: string }[] = [];
      for (let i = 0; i < count; i++)
        messages.push({ value: `{"method":"publish","payload":{"channel":${ch},"data":${data(nowMs())}}}` });
      return producer!.send({ topic: setup!.topic!, messages }).then(() => {});
    }
    case 'redis': {
      const stream = setup!.stream!;
      if (count === 1)
        return redis!
          .xadd(
            stream,
            '*',
            'payload',
            `{"method":"publish","payload":{"channel":${ch},"data":${data(nowMs())}}}`,
          )
          .then(() => {});
      const pipeline = redis!.pipeline();
      for (let i = 0; i < count; i++)
        pipeline.xadd(
          stream,
          '*',
          'payload',
          `{"method":"publish","payload":{"channel":${ch},"data":${data(nowMs())}}}`,
        );
      return pipeline.exec().then((results) => {
        const failed = results?.find(([error]) => error !== null)?.[0];
        if (results === null || failed) throw failed ?? new Error('XADD pipeline failed');
      });
    }
  }
}

function result(
  published: number,
  fanout: number,
  t0: number,
  t1: number,
  cpu0: NodeJS.CpuUsage,
): IngestRunResult {
  const cpu = process.cpuUsage(cpu0);
  return {
    published,
    delivered: sink.count,
    expected: published * fanout,
    firstDeliveryAt: sink.firstAt,
    lastDeliveryAt: sink.lastAt,
    produceStartAt: t0,
    produceEndAt: t1,
    latency: sink.quantiles.summary(),
    ack: acks.summary(),
    loadCpu: (cpu.user + cpu.system) / 1e6,
  };
}

async function flood(cmd: IngestFlood): Promise<IngestRunResult> {
  sink.reset();
  floodQuantiles.reset();
  floodAcks.reset();
  sink.quantiles = floodQuantiles;
  acks = floodAcks;
  freshAgent();
  const cpu0 = process.cpuUsage();
  const data = payload(cmd.payloadBytes);
  let produced = 0;
  let failure: unknown;
  const t0 = nowMs();
  const worker = async (): Promise<void> => {
    while (produced < cmd.count && failure === undefined) {
      const n = Math.min(cmd.batch, cmd.count - produced);
      produced += n;
      // Publications produced and not yet delivered everywhere stay within the window, so the
      // node's queues to the subscribers stay bounded whatever the consumer's pace.
      await sink.waitFor((produced - cmd.window) * cmd.fanout, cmd.timeoutMs);
      const at = nowMs();
      await produce(cmd.path, cmd.channel, n, data).then(
        () => acks.record(nowMs() - at),
        (error: unknown) => {
          failure ??= error;
        },
      );
    }
  };
  await Promise.all(Array.from({ length: cmd.inflight }, worker));
  const t1 = nowMs();
  if (failure !== undefined) throw failure;
  await sink.waitFor(produced * cmd.fanout, cmd.timeoutMs);
  return result(produced, cmd.fanout, t0, t1, cpu0);
}

async function steady(cmd: IngestSteady): Promise<IngestRunResult> {
  sink.reset();
  let acc = accumulated.get(cmd.key);
  if (acc === undefined || cmd.reset) {
    acc = { latency: new Quantiles(), acks: new Quantiles() };
    accumulated.set(cmd.key, acc);
  }
  sink.quantiles = acc.latency;
  acks = acc.acks;
  freshAgent();
  const cpu0 = process.cpuUsage();
  const data = payload(cmd.payloadBytes);
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  const start = performance.now();
  const t0 = nowMs();
  const total = Math.round((cmd.rate * cmd.durationMs) / 1000);
  while (sent < total && failure === undefined) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * cmd.rate) / 1000) + 1);
    const n = due - sent;
    if (n > 0) {
      // The HTTP path: one request per publication, as a backend would call the API.
      const requests = cmd.path === 'http' ? Array.from({ length: n }, () => 1) : [n];
      for (const k of requests) {
        const at = nowMs();
        const p: Promise<void> = produce(cmd.path, cmd.channel, k, data).then(
          () => {
            acks.record(nowMs() - at);
            pending.delete(p);
          },
          (error: unknown) => {
            pending.delete(p);
            failure ??= error;
          },
        );
        pending.add(p);
      }
      sent = due;
    }
    const next = start + (sent * 1000) / cmd.rate;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(pending);
  const t1 = nowMs();
  if (failure !== undefined) throw failure;
  await sink.waitFor(sent * cmd.fanout, cmd.timeoutMs);
  return result(sent, cmd.fanout, t0, t1, cpu0);
}

async function close(): Promise<Record<string, never>> {
  for (const c of clients) c.close();
  clients.length = 0;
  await producer?.disconnect().catch(() => {});
  producer = undefined;
  redis?.disconnect();
  redis = undefined;
  return {};
}

function run(command: IngestCommand): Promise<unknown> {
  switch (command.type) {
    case 'setup':
      return doSetup(command);
    case 'connect':
      return connect(command);
    case 'flood':
      return flood(command);
    case 'steady':
      return steady(command);
    case 'close':
      return close();
  }
}

process.on('message', (msg: { id: number; command: IngestCommand }) => {
  Promise.resolve()
    .then(() => run(msg.command))
    .then(
      (res) => process.send?.({ id: msg.id, result: res }),
      (error: unknown) =>
        process.send?.({ id: msg.id, error: error instanceof Error ? error.message : String(error) }),
    );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, result: 'ready' });
