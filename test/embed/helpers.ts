/**
 * What the embedding suites share: an embedded node with the test credentials, listening on a free
 * port, a server API call and an SDK client through the application's port, and a check that a
 * publication made through the application's port reaches a subscriber connected through it.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Centrifuge } from 'centrifuge';
import type { Config } from '../../src/config/types.js';
import type { EmbeddedSwitchboard, EmbedOptions } from '../../src/embed/embedded-switchboard.js';
import { collect, newClient, TEST_API_KEY, TEST_SECRET, token, waitFor } from '../harness/index.js';

/** The mount prefix every suite uses. */
export const PREFIX = '/realtime';

/** A node config with the test secret and API key, silent logs and no drain window. */
export async function testConfig(overrides: Record<string, unknown> = {}): Promise<Config> {
  const { resolveConfig } = await import('../../src/config/index.js');
  return resolveConfig({
    client: { token: { hmac_secret_key: TEST_SECRET } },
    http_api: { key: TEST_API_KEY },
    log: { level: 'silent' },
    shutdown: { drain_duration: 0 },
    ...overrides,
  });
}

/** An embedded node with {@link testConfig}, under {@link PREFIX} unless `options` say otherwise. */
export async function embedTestNode(
  overrides: Record<string, unknown> = {},
  options: EmbedOptions = { prefix: PREFIX },
): Promise<EmbeddedSwitchboard> {
  const { embedSwitchboard } = await import('../../src/embed/embedded-switchboard.js');
  return embedSwitchboard(await testConfig(overrides), options);
}

/** Listens on a free port of 127.0.0.1; resolves with the app's base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server, cutting its kept-alive connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** `POST <base>/api/<method>` with the test key; the status and the parsed body. */
export async function callApi(
  base: string,
  method: string,
  params: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Connects the SDK to `<base>/connection/websocket` (base: the app's URL and the prefix), subscribes
 * to `channel`, publishes through `<base>/api/publish` and checks the publication arrives.
 * Resolves with the connected client (the caller disconnects it).
 */
export async function deliversThrough(base: string, channel: string, user = 'alice'): Promise<Centrifuge> {
  const client = newClient(`${base.replace(/^http/, 'ws')}/connection/websocket`, {
    token: await token(user),
  });
  const sub = client.newSubscription(channel);
  const got = collect(sub);
  sub.subscribe();
  client.connect();
  await sub.ready(5000);
  const published = await callApi(base, 'publish', { channel, data: { text: 'hello' } });
  assert.equal(published.status, 200, JSON.stringify(published.body));
  assert.deepEqual(published.body, { result: {} });
  await waitFor(() => got.length === 1, 'the publication at the subscriber', 5000);
  assert.deepEqual(got[0]?.data, { text: 'hello' });
  return client;
}
