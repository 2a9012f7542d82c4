/**
 * Cross-node delivery latency at a steady load: Redis + two nodes in their own processes,
 * subscribers on node 2, publications through node 1's API at a fixed rate, each stamped with its
 * send time. `npm run bench:latency [-- subscribers rate seconds]`.
 */
import WebSocket from 'ws';
import { signToken } from '../src/auth/token-signer.js';
import { TEST_API_KEY, TEST_SECRET } from '../test/harness/node.js';
import { startNodeProcess } from '../test/harness/node-process.js';
import { startRedis } from '../test/harness/redis.js';

const subscribers = Number(process.argv[2] ?? 100);
const rate = Number(process.argv[3] ?? 100);
const seconds = Number(process.argv[4] ?? 10);

const redis = await startRedis();
const config = { engine: { redis: { address: redis.url } }, client: { command_rate_limit: 0 } };
const [n1, n2] = await Promise.all([
  startNodeProcess('bench-1', config),
  startNodeProcess('bench-2', config),
]);
const latencies: number[] = [];
const sockets: WebSocket[] = [];
try {
  const token = await signToken({ sub: 'bench' }, TEST_SECRET);
  for (let i = 0; i < subscribers; i++) {
    const ws = new WebSocket(n2!.wsUrl, { perMessageDeflate: false });
    sockets.push(ws);
    await new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.includes('"id":2')) resolve();
        if (text === '{}') ws.send('{}');
        const now = performance.timeOrigin + performance.now();
        for (const m of text.matchAll(/"t":([0-9.]+)/g)) latencies.push(now - Number(m[1]));
      });
      ws.on('open', () =>
        ws.send(`{"id":1,"connect":{"token":"${token}"}}\n{"id":2,"subscribe":{"channel":"latency"}}`),
      );
    });
  }
  const interval = 1000 / rate;
  const total = rate * seconds;
  const start = performance.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      fetch(`${n1!.baseUrl}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: JSON.stringify({
          channel: 'latency',
          data: { t: performance.timeOrigin + performance.now(), i },
        }),
      }).then((r) => r.arrayBuffer()),
    );
  }
  await Promise.all(inflight);
  await new Promise((r) => setTimeout(r, 500));
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2);
  console.log(
    `cross-node: ${rate} publications/s for ${seconds} s to ${subscribers} subscribers on the other node: ` +
      `${latencies.length}/${total * subscribers} deliveries, latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1 - 1e-9)} ms`,
  );
} finally {
  for (const ws of sockets) ws.terminate();
  await Promise.all([n1!.stop(), n2!.stop()]);
  await redis.stop();
}
