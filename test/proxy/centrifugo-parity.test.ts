/**
 * A backend written for Centrifugo works with Switchboard unchanged: Centrifugo v6.9.1 and a
 * Switchboard node, given the same proxy configuration (Centrifugo's keys), call one recording
 * HTTP backend while the same raw-frame script runs against each. The test compares what the
 * backend receives (bodies with client ids masked, and which headers arrive) and what the client
 * gets back (replies and pushes, server-specific fields masked): they must be the same.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { findCentrifugo } from '../differential/centrifugo.js';
import { type ServerKind, type ServerProcess, startServerProcess } from '../differential/process.js';
import { freePort, type RawClient, rawConnect, waitFor } from '../harness/index.js';

interface Call {
  kind: string;
  body: Record<string, unknown>;
  headers: Record<string, string | undefined>;
}

/** One recording backend; each server calls it under its own path prefix (`/centrifugo/…`, `/switchboard/…`). */
const calls: Record<ServerKind, Call[]> = { centrifugo: [], switchboard: [] };
let down = false;

function answer(kind: string, body: Record<string, unknown>, headers: http.IncomingHttpHeaders): unknown {
  if (kind === 'connect') {
    if (headers.cookie !== 'sid=alice') return { error: { code: 4001, message: 'unauthorized' } };
    return {
      result: {
        user: 'alice',
        info: { name: 'Alice' },
        data: { greeting: 'hello' },
        meta: { plan: 'pro' },
        subs: { 'room:lobby': { info: { seat: 1 }, data: { topic: 'welcome' } } },
      },
    };
  }
  if (kind === 'subscribe') {
    return body['channel'] === 'room:open'
      ? { result: { info: { role: 'member' }, data: { motd: 'hi' } } }
      : { error: { code: 4003, message: 'not a member' } };
  }
  if (kind === 'publish') {
    const data = body['data'] as Record<string, unknown>;
    if (typeof data['text'] !== 'string') return { error: { code: 4002, message: 'text required' } };
    return { result: { data: { text: data['text'], moderated: true } } };
  }
  if (kind === 'rpc')
    return { result: { data: { method: body['method'], echo: body['data'], user: body['user'] } } };
  return { error: { code: 4004, message: 'unknown kind' } };
}

const FORWARDED = ['cookie', 'x-real-ip', 'authorization', 'x-other'];

async function startBackend(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [, server, kind] = (req.url ?? '').split('/') as [string, ServerKind, string];
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      const headers: Record<string, string | undefined> = {};
      for (const name of FORWARDED) headers[name] = req.headers[name] as string | undefined;
      calls[server].push({ kind, body, headers });
      if (down) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(kind, body, req.headers)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The proxy part of the config, in Centrifugo v6's keys, the same for both servers. */
function proxyConfig(base: string): Record<string, unknown> {
  return {
    client: {
      // Switchboard subscribes each user to a personal channel by default; Centrifugo does not.
      subscribe_to_user_personal_channel: { enabled: false },
      proxy: {
        connect: {
          enabled: true,
          endpoint: `${base}/connect`,
          timeout: '1s',
          http_headers: ['Cookie', 'X-Real-Ip'],
          emulated_headers: ['Authorization'],
        },
      },
    },
    channel: {
      without_namespace: { allow_user_limited_channels: true },
      proxy: { subscribe: { endpoint: `${base}/subscribe` }, publish: { endpoint: `${base}/publish` } },
      namespaces: [
        {
          name: 'room',
          subscribe_proxy_enabled: true,
          publish_proxy_enabled: true,
          allow_user_limited_channels: true,
        },
      ],
    },
    rpc: {
      proxy: { endpoint: `${base}/rpc`, include_connection_meta: true },
      without_namespace: { proxy_enabled: true },
    },
  };
}

async function startServer(kind: ServerKind, backend: string): Promise<ServerProcess> {
  const port = await freePort();
  const proxies = proxyConfig(`${backend}/${kind}`);
  if (kind === 'centrifugo') {
    return startServerProcess({
      kind,
      port,
      config: {
        http_server: { address: '127.0.0.1', port },
        log: { level: 'error' },
        health: { enabled: true },
        usage_stats: { disabled: true },
        shutdown: { timeout: '1s' },
        ...proxies,
      },
      command: findCentrifugo(),
      args: ['--config', '{config}'],
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
      startTimeoutMs: 20_000,
    });
  }
  return startServerProcess({
    kind,
    port,
    config: {
      http_server: { address: '127.0.0.1', port },
      log: { level: 'error', format: 'json' },
      shutdown: { timeout: '1s', drain_duration: '0s' },
      prometheus: { enabled: false },
      ...proxies,
    },
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      new URL('../../src/cli/main.ts', import.meta.url).pathname,
      'serve',
      '--config',
      '{config}',
    ],
    cwd: new URL('../../', import.meta.url).pathname,
    startTimeoutMs: 60_000,
  });
}

/** Masks what legitimately differs between the two servers: ids, versions, node names, timings. */
function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (typeof value === 'string') return /^[0-9a-f-]{36}$/.test(value) ? 'ID' : value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (['version', 'node', 'ping', 'pong', 'epoch', 'time', 'offset'].includes(k)) continue;
    out[k] = mask(v);
  }
  return out;
}

/** The script: every frame the client receives, in order, masked. */
async function script(server: ServerProcess): Promise<unknown[]> {
  const transcript: unknown[] = [];
  const record = (m: Record<string, unknown>): void => {
    transcript.push(mask(m));
  };
  const open = (headers: Record<string, string>): Promise<RawClient> => rawConnect(server.wsUrl, headers);

  // Authenticated by cookie; an emulated Authorization is forwarded, an emulated Cookie is not.
  const alice = await open({ cookie: 'sid=alice', 'x-real-ip': '10.0.0.1', 'x-other': 'never' });
  record(
    await alice.call(1, 'connect', {
      name: 'parity',
      headers: { Authorization: 'Bearer t', 'X-Real-Ip': 'forged' },
    }),
  );
  record(await alice.call(2, 'subscribe', { channel: 'room:closed' }));
  record(await alice.call(3, 'subscribe', { channel: 'room:open' }));
  record(await alice.call(4, 'publish', { channel: 'room:open', data: { nope: 1 } }));
  record(await alice.call(5, 'publish', { channel: 'room:open', data: { text: 'hi' } }));
  await waitFor(() =>
    alice.received.some(
      (m) => m['push'] !== undefined && !('id' in m) && JSON.stringify(m).includes('moderated'),
    ),
  );
  record(alice.received.find((m) => JSON.stringify(m).includes('moderated'))!);
  record(await alice.call(6, 'rpc', { method: 'profile', data: { q: 1 } }));
  record(await alice.call(7, 'rpc', { method: 'billing:pay', data: {} }));
  alice.ws.close();

  // No session cookie: the backend's error, as it sent it.
  const stranger = await open({});
  record(await stranger.call(1, 'connect', {}));
  stranger.ws.close();

  // The backend down: a temporary error, never a terminal code.
  down = true;
  try {
    const unlucky = await open({ cookie: 'sid=alice' });
    record(await unlucky.call(1, 'connect', {}));
    unlucky.ws.close();
  } finally {
    down = false;
  }
  return transcript;
}

/** What the backend saw, masked: kind, body, forwarded headers. */
function backendView(kind: ServerKind): unknown[] {
  return calls[kind].map((c) => mask({ kind: c.kind, body: c.body, headers: c.headers }));
}

describe('a Centrifugo backend works unchanged', { timeout: 120_000 }, () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  const servers: ServerProcess[] = [];
  const transcripts: Partial<Record<ServerKind, unknown[]>> = {};

  before(async () => {
    backend = await startBackend();
    for (const kind of ['centrifugo', 'switchboard'] as const) {
      const server = await startServer(kind, backend.url);
      servers.push(server);
      transcripts[kind] = await script(server);
    }
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await backend?.close();
  });

  it('the client sees the same replies and pushes', () => {
    assert.ok((transcripts.centrifugo?.length ?? 0) >= 10, 'the script ran against Centrifugo');
    assert.deepEqual(transcripts.switchboard, transcripts.centrifugo);
  });

  it('the backend receives the same requests and headers', () => {
    assert.ok(calls.centrifugo.length >= 7, 'Centrifugo called the backend');
    assert.deepEqual(backendView('switchboard'), backendView('centrifugo'));
  });

  it('only allow-listed headers arrive, the emulated one only from emulated_headers', () => {
    const connect = calls.switchboard.find((c) => c.kind === 'connect')!;
    assert.equal(connect.headers['cookie'], 'sid=alice');
    assert.equal(
      connect.headers['x-real-ip'],
      '10.0.0.1',
      'the transport value, not the forged emulated one',
    );
    assert.equal(connect.headers['authorization'], 'Bearer t');
    assert.equal(connect.headers['x-other'], undefined);
  });
});
