/**
 * Quick single-node figures: fan-out deliveries per second and per server CPU second, and server
 * memory per idle connection. `npm run bench:quick [-- subscribers publications batch-size]`.
 */
import { connectSubscribers, cpuSeconds, publishMany, startServer, waitUntil } from './harness.js';

const subscribers = Number(process.argv[2] ?? 1000);
const publications = Number(process.argv[3] ?? 2000);
const batchSize = Number(process.argv[4] ?? 100);
const payload = 'x'.repeat(80);

const server = await startServer();
try {
  const base = await server.stats();
  const subs = await connectSubscribers(server.port, subscribers, 'bench');
  const idle = await server.stats();
  const perConn = (idle.mem.rss - base.mem.rss) / subscribers;
  console.log(
    `idle: ${subscribers} connections, server RSS +${((idle.mem.rss - base.mem.rss) / 1048576).toFixed(1)} MB = ${(perConn / 1024).toFixed(1)} KB per connection (heap ${((idle.mem.heapUsed - base.mem.heapUsed) / subscribers / 1024).toFixed(1)} KB)`,
  );
  const expected = subscribers * publications;
  const before = await server.stats();
  const t0 = performance.now();
  await publishMany(server.port, 'bench', publications, (i) => ({ i, p: payload }), batchSize);
  const ok = await waitUntil(() => subs.reduce((n, s) => n + s.received, 0) >= expected, 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const after = await server.stats();
  const delivered = subs.reduce((n, s) => n + s.received, 0);
  const cpu = cpuSeconds(before.cpu, after.cpu);
  console.log(
    `fanout: ${publications} publications x ${subscribers} subscribers: ${delivered}/${expected} delivered${ok ? '' : ' (TIMED OUT)'} in ${seconds.toFixed(2)} s = ${Math.round(delivered / seconds).toLocaleString('en')} deliveries/s; server CPU ${cpu.toFixed(2)} s = ${Math.round(delivered / cpu).toLocaleString('en')} deliveries per CPU second; server RSS ${(after.mem.rss / 1048576).toFixed(0)} MB`,
  );
  for (const s of subs) s.ws.terminate();
} finally {
  await server.stop();
}
