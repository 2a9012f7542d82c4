/** Starts a real Switchboard node on a free port for a test, and always stops it. */
import type { StartOptions, Switchboard } from '../../src/app.js';
import type { Config } from '../../src/config/types.js';
import { TEST_API_KEY, TEST_SECRET, token } from './tokens.js';

export { TEST_API_KEY, TEST_SECRET } from './tokens.js';

/** Deep-merges plain objects; arrays and scalars replace. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof prev === 'object' &&
      prev !== null
        ? merge(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** Calls the server API of a node with the test key; resolves with the status and the parsed body. */
export async function callApi(
  baseUrl: string,
  method: string,
  params: unknown = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface TestNode {
  app: Switchboard;
  config: Config;
  port: number;
  /** ws://127.0.0.1:PORT/connection/websocket */
  wsUrl: string;
  baseUrl: string;
  /** A connection token for a user (HS256, 1h unless claims say otherwise). */
  token(user: string, claims?: Record<string, unknown>, ttlSeconds?: number): Promise<string>;
  /** Calls the server API; resolves with the parsed JSON body and the HTTP status. */
  api(method: string, params?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * Starts a node in this process on a free port, with a config in the file's shape (durations as
 * strings) merged over test defaults. The server's modules load on the first start, not with the harness.
 */
export async function startTestNode(
  overrides: Record<string, unknown> = {},
  options: StartOptions = {},
): Promise<TestNode> {
  const raw = merge(
    {
      http_server: { port: 0, address: '127.0.0.1' },
      client: { token: { hmac_secret_key: TEST_SECRET } },
      http_api: { key: TEST_API_KEY },
      log: { level: 'silent' },
      // Stops close every connection at once unless a test drains in waves on purpose.
      shutdown: { drain_duration: 0 },
    },
    overrides,
  );
  const [{ resolveConfig }, { startSwitchboard }] = await Promise.all([
    import('../../src/config/index.js'),
    import('../../src/app.js'),
  ]);
  const config = resolveConfig(raw);
  const app = await startSwitchboard(config, options);
  const port = app.address.port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    port,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    token,
    api: (method, params = {}) => callApi(baseUrl, method, params),
    stop: () => app.stop(),
  };
}
