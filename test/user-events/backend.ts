/**
 * A backend for user events tests: a real node:http server answering `POST /online` and
 * `POST /offline` as a Switchboard backend would, recording each call's body. It can answer 503
 * or an error object instead, or be closed and opened again on the same port (backend down).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UserEventCall {
  kind: 'online' | 'offline';
  user: string;
  version: number;
  idempotency_key: string;
  time_ms: number;
  node: string;
  /** When the backend got it (Date.now()). */
  at: number;
}

export class EventBackend {
  /** Every call answered with success, in arrival order. */
  readonly accepted: UserEventCall[] = [];
  /** Calls refused (503 or an error body). */
  refused = 0;
  /** How to answer: ok, 503, or `{"error":…}` with 200. */
  mode: 'ok' | 'unavailable' | 'error' = 'ok';
  private server: http.Server | undefined;
  private sockets = new Set<import('node:net').Socket>();
  port = 0;

  /** The `proxies` list entries of a node config pointing here. */
  proxies(): Record<string, unknown>[] {
    return [
      { name: 'on', endpoint: `http://127.0.0.1:${this.port}/online`, timeout: '1s' },
      { name: 'off', endpoint: `http://127.0.0.1:${this.port}/offline`, timeout: '1s' },
    ];
  }

  async open(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.mode === 'unavailable') {
          this.refused++;
          res.writeHead(503).end();
          return;
        }
        if (this.mode === 'error') {
          this.refused++;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"error":{"code":1000,"message":"busy"}}');
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<UserEventCall, 'kind' | 'at'>;
        const kind = req.url === '/online' ? 'online' : 'offline';
        this.accepted.push({ kind, ...body, at: Date.now() });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts kept-alive connections: calls are refused until `open` again. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  stop(): Promise<void> {
    return this.close();
  }

  /** Accepted calls of one user, as `kind vN`. */
  of(user: string): string[] {
    return this.accepted.filter((c) => c.user === user).map((c) => `${c.kind} v${c.version}`);
  }

  /**
   * Accepted events of one user, each once, as a backend deduplicating by `idempotency_key` sees
   * them: a call the backend answered but whose answer the node could not record (Redis went away,
   * or the delivering node died, in between) is sent again with the same key. Checked on the way:
   * versions never go back and every key is `<user>:<version>`.
   */
  distinct(user: string): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    let last = 0;
    for (const call of this.accepted.filter((c) => c.user === user)) {
      assert.ok(call.version >= last, `${user}: version ${call.version} after ${last}`);
      last = call.version;
      assert.equal(call.idempotency_key, `${user}:${call.version}`);
      if (seen.has(call.idempotency_key)) continue;
      seen.add(call.idempotency_key);
      out.push(`${call.kind} v${call.version}`);
    }
    return out;
  }
}

/** Config of a node with user events on, pointing at `backend`, with short test timings. */
export function userEventsConfig(
  backend: EventBackend,
  timings: { debounce?: string; lease?: string; sweep?: string; retryMax?: string } = {},
): Record<string, unknown> {
  return {
    proxies: backend.proxies(),
    user_events: {
      enabled: true,
      online_proxy_name: 'on',
      offline_proxy_name: 'off',
      offline_debounce: timings.debounce ?? '300ms',
      node_lease_ttl: timings.lease ?? '1500ms',
      sweep_interval: timings.sweep ?? '100ms',
      retry_max_interval: timings.retryMax ?? '300ms',
    },
  };
}
