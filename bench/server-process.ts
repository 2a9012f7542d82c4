/**
 * A Switchboard node in its own process for benchmarks: the real `startSwitchboard` with the config
 * (file format) in `BENCH_CONFIG`. Reports its port and its own CPU/memory accounting over IPC.
 */
import { startSwitchboard } from '../src/app.js';
import { resolveConfig } from '../src/config/index.js';
import { announce } from './server-ipc.js';

const config = resolveConfig(JSON.parse(process.env['BENCH_CONFIG'] ?? '{}') as Record<string, unknown>);
const app = await startSwitchboard(config);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
announce(app.address.port, () => app.node.connections.size);
