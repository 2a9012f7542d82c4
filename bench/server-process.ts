/**
 * A Switchboard node in its own process for benchmarks. Prints `PORT <n>` when listening and answers
 * IPC `stats` requests with its own CPU and memory accounting.
 */
import { startSwitchboard } from '../src/app.js';
import { resolveConfig } from '../src/config/index.js';

const raw = JSON.parse(process.env['BENCH_CONFIG'] ?? '{}') as Record<string, unknown>;
const config = resolveConfig({
  http_server: { port: 0, address: '127.0.0.1' },
  client: { insecure: true, allow_anonymous_connect_without_token: true, command_rate_limit: 0 },
  http_api: { insecure: true, max_body_size: 16 * 1024 * 1024 },
  log: { level: 'silent' },
  ...raw,
});
const app = await startSwitchboard(config);
process.on('message', (msg) => {
  if (msg === 'stats') {
    if (typeof globalThis.gc === 'function') globalThis.gc();
    process.send?.({ cpu: process.cpuUsage(), mem: process.memoryUsage(), conns: app.node.numConnections });
  }
});
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
console.log(`PORT ${app.address.port}`);
