/**
 * A Switchboard node in its own process (the real CLI), so a test can SIGKILL, SIGSTOP or restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callApi, TEST_API_KEY, TEST_SECRET } from './node.js';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

/** Kept for the files that import it from here; new code imports it from `test/harness/index.ts`. */
export { freePort } from './ports.js';

export interface NodeProcess {
  name: string;
  port: number;
  wsUrl: string;
  baseUrl: string;
  child: ChildProcess;
  api(method: string, params?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** SIGKILL: no goodbye, no cleanup. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Starts the same node again on the same port. */
  restart(): Promise<void>;
}

const mainPath = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Node processes still running: killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a node with a config (file format) merged over test defaults; waits for /health. */
export async function startNodeProcess(
  name: string,
  config: Record<string, unknown>,
  port?: number,
): Promise<NodeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-node-'));
  const file = join(dir, 'config.json');
  const chosen = port ?? (await freePort());
  const full = {
    ...config,
    http_server: { address: '127.0.0.1', port: chosen },
    node: { name },
    log: { level: 'warn' },
    client: { token: { hmac_secret_key: TEST_SECRET }, ...((config['client'] as object | undefined) ?? {}) },
    http_api: { key: TEST_API_KEY },
    // SIGTERM closes every connection at once unless a test drains in waves on purpose.
    shutdown: { drain_duration: 0, ...((config['shutdown'] as object | undefined) ?? {}) },
  };
  writeFileSync(file, JSON.stringify(full));
  const baseUrl = `http://127.0.0.1:${chosen}`;
  let child!: ChildProcess;

  const launch = async (): Promise<void> => {
    child = spawn(process.execPath, ['--import', 'tsx', mainPath, 'serve', '--config', file], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SWITCHBOARD_CONFIG: '', SWITCHBOARD_PORT: '', SWITCHBOARD_REDIS_URL: '' },
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    // Generous: three nodes compiling with tsx at once on a busy two-core machine take long to start.
    const deadline = Date.now() + 45_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`node ${name} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`${baseUrl}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`node ${name} did not start`);
      }
      await sleep(50);
    }
  };
  await launch();

  const handle: NodeProcess = {
    name,
    port: chosen,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${chosen}/connection/websocket`,
    get child() {
      return child;
    },
    api: (method, params = {}) => callApi(baseUrl, method, params),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await handle.kill();
      await launch();
    },
  };
  return handle;
}
