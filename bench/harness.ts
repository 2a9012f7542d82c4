/** Benchmark plumbing: a server in a child process, raw protocol clients, an API publisher. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import WebSocket from 'ws';

export interface ServerStats {
  cpu: NodeJS.CpuUsage;
  mem: NodeJS.MemoryUsage;
  conns: number;
}

export interface BenchServer {
  port: number;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

export async function startServer(config: Record<string, unknown> = {}): Promise<BenchServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', new URL('./server-process.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const m = /PORT (\d+)/.exec(chunk.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    port,
    async stats() {
      child.send('stats');
      const [msg] = (await once(child, 'message')) as [ServerStats];
      return msg;
    },
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export interface RawSubscriber {
  ws: WebSocket;
  received: number;
  /** Publish timestamps carried in payloads, for latency. */
  onPub?: (data: string) => void;
}

/** Connects `count` raw clients subscribed to `channel`, a few at a time. */
export async function connectSubscribers(
  port: number,
  count: number,
  channel: string,
): Promise<RawSubscriber[]> {
  const out: RawSubscriber[] = [];
  const url = `ws://127.0.0.1:${port}/connection/websocket`;
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const sub: RawSubscriber = { ws, received: 0 };
      let subscribed!: () => void;
      const ready = new Promise<void>((r) => {
        subscribed = r;
      });
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        let idx = text.indexOf('"pub"');
        while (idx !== -1) {
          sub.received++;
          idx = text.indexOf('"pub"', idx + 5);
        }
        if (text.includes('"id":2')) subscribed();
        if (text === '{}') ws.send('{}');
      });
      await once(ws, 'open');
      ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`);
      await ready;
      out.push(sub);
    });
    await Promise.all(batch);
  }
  return out;
}

/** Publishes `total` publications through the API in batches, `inflight` requests at a time. */
export async function publishMany(
  port: number,
  channel: string,
  total: number,
  payload: (i: number) => unknown,
  batchSize = 100,
  inflight = 4,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const start = next;
      const n = Math.min(batchSize, total - start);
      next += n;
      const commands = Array.from({ length: n }, (_, k) => ({
        publish: { channel, data: payload(start + k) },
      }));
      const res = await fetch(`http://127.0.0.1:${port}/api/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ commands }),
      });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

export const cpuSeconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number =>
  (b.user - a.user + b.system - a.system) / 1e6;
