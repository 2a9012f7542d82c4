/**
 * One `switchboard bench` run: opens the clients, publishes for the set time while printing a line per
 * second, waits for the last deliveries, and summarises.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BenchClient, type DeliverySink } from './client.js';
import { Histogram, type LatencySummary, nowMs } from './histogram.js';
import { ApiCaller, Publisher } from './publisher.js';
import { benchToken } from './token.js';

export interface BenchOptions {
  wsUrl: string;
  apiUrl: string;
  apiKey?: string | undefined;
  /** Signs one connection token per client; none means the node runs with client.insecure. */
  tokenSecret?: string | undefined;
  clients: number;
  channel: string;
  rate: number;
  seconds: number;
  payload: number;
  /** Handshakes run at once while connecting. */
  connectConcurrency?: number;
  /** Longest wait for late deliveries after the last publish. */
  drainMs?: number;
  /** Ends publishing early (Ctrl-C); the run still waits for late deliveries and summarises. */
  signal?: AbortSignal;
  /** Where progress and the summary go (a line at a time). */
  print?: (line: string) => void;
}

export interface BenchResult {
  clients: number;
  connected: number;
  dropped: number;
  published: number;
  publishFailed: number;
  publishSeconds: number;
  expected: number;
  received: number;
  lost: number;
  deliveriesPerSecond: number;
  latency: LatencySummary;
}

/** A failure that ends the run before it measured anything (unreachable node, refused key, …). */
export class BenchError extends Error {
  override readonly name = 'BenchError';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps, or returns early when `signal` aborts. */
function sleepUnless(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** Checks the server API answers and accepts the key before any client connects. */
async function checkApi(api: ApiCaller, url: string): Promise<void> {
  let answer: { status: number; text: string };
  try {
    answer = await api.call('info', '{}');
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new BenchError(
      `cannot reach the server API at ${url}: ${(error as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`,
    );
  }
  if (answer.status === 401) {
    throw new BenchError(
      `the server API at ${url} refused the API key (HTTP 401): pass the node's http_api.key with --api-key`,
    );
  }
  if (answer.status !== 200) {
    throw new BenchError(
      `the server API at ${url} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`,
    );
  }
}

async function connectAll(
  options: BenchOptions,
  sink: DeliverySink,
  onDrop: (why: string) => void,
  print: (line: string) => void,
): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  let next = 0;
  let failure: Error | undefined;
  const started = nowMs();
  const progress = setInterval(() => {
    print(
      `[connect ${((nowMs() - started) / 1000).toFixed(0)}s] connected ${clients.length}/${options.clients}`,
    );
  }, 1000);
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < options.clients) {
      const i = next++;
      const token =
        options.tokenSecret === undefined ? undefined : benchToken(`bench-${i}`, options.tokenSecret);
      const client = new BenchClient(sink, {
        url: options.wsUrl,
        channel: options.channel,
        token,
        timeoutMs: 10_000,
      });
      try {
        await client.open();
        client.onDrop = onDrop;
        clients.push(client);
      } catch (error) {
        failure ??= error as Error;
      }
    }
  };
  const concurrency = Math.min(options.clients, options.connectConcurrency ?? 100);
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(progress);
  if (failure !== undefined) {
    for (const client of clients) client.close();
    throw new BenchError(
      `a client could not connect to ${options.wsUrl} (${clients.length} of ${options.clients} connected): ${failure.message}`,
    );
  }
  print(`connected ${clients.length}/${options.clients} in ${((nowMs() - started) / 1000).toFixed(2)} s`);
  return clients;
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const api = new ApiCaller({ url: options.apiUrl, key: options.apiKey });
  const sink: DeliverySink = { received: 0, latency: new Histogram() };
  let dropped = 0;
  let firstDrop: string | undefined;
  let clients: BenchClient[] = [];
  try {
    await checkApi(api, options.apiUrl);
    clients = await connectAll(
      options,
      sink,
      (why) => {
        dropped++;
        firstDrop ??= why;
      },
      print,
    );

    const publisher = new Publisher(api, options);
    // This process's own event-loop delay: when it grows, the bench (not the target) is the bottleneck.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = nowMs();
    let lastReceived = 0;
    let lastPublished = 0;
    let lastAt = started;
    const end = started + options.seconds * 1000;
    publisher.start();
    // One line per second of publishing (the last one may cover less), rates per second.
    for (let second = 1, last = false; !last; second++) {
      const at = Math.min(end, started + second * 1000);
      last = at >= end;
      await sleepUnless(at - nowMs(), options.signal);
      const now = nowMs();
      const span = (now - lastAt) / 1000;
      const received = sink.received;
      const published = publisher.accepted;
      print(
        `[${fmt((now - started) / 1000).padStart(5)}s] connected ${clients.length - dropped}/${options.clients}` +
          `  published ${fmt((published - lastPublished) / span, 0)}/s` +
          `  deliveries ${fmt((received - lastReceived) / span, 0)}/s` +
          `  bench lag ${fmt(lag.max / 1e6, 0)} ms` +
          (publisher.failed > 0 ? `  publish errors ${publisher.failed}` : ''),
      );
      lag.reset();
      lastReceived = received;
      lastPublished = published;
      lastAt = now;
      if (options.signal?.aborted === true) {
        print('interrupted: publishing stopped, waiting for late deliveries');
        last = true;
      }
    }
    await publisher.stop();
    lag.disable();
    const publishSeconds = (nowMs() - started) / 1000;

    const expected = publisher.accepted * options.clients;
    const drainUntil = nowMs() + (options.drainMs ?? 5000);
    while (sink.received < expected && nowMs() < drainUntil) await sleep(20);
    const endedAt = nowMs();

    const latency = sink.latency.summary();
    const result: BenchResult = {
      clients: options.clients,
      connected: clients.length,
      dropped,
      published: publisher.accepted,
      publishFailed: publisher.failed,
      publishSeconds,
      expected,
      received: sink.received,
      lost: Math.max(0, expected - sink.received),
      deliveriesPerSecond: sink.received / ((endedAt - started) / 1000),
      latency,
    };
    print('');
    print('summary');
    print(
      `  clients      ${result.connected}/${result.clients} connected, ${dropped} dropped during the run`,
    );
    print(
      `  published    ${result.published} in ${fmt(publishSeconds)} s (${fmt(result.published / publishSeconds)}/s), ${result.publishFailed} failed`,
    );
    print(
      `  deliveries   ${result.received} of ${expected} expected (${fmt(result.deliveriesPerSecond)}/s), lost ${result.lost}`,
    );
    print(
      `  latency      p50 ${fmt(latency.p50, 2)} ms  p99 ${fmt(latency.p99, 2)} ms  max ${fmt(latency.max, 2)} ms`,
    );
    if (publisher.firstError !== undefined) print(`  first publish error: ${publisher.firstError}`);
    if (firstDrop !== undefined) print(`  first drop: ${firstDrop}`);
    return result;
  } finally {
    for (const client of clients) client.close();
    api.close();
  }
}
