/**
 * A typical application backend for the proxy suites: an Express 5 app with a cookie session
 * (`express-session`, in-memory store) that users log in to with `POST /login`, and Centrifugo's
 * HTTP proxy handlers under `/centrifugo/*` deciding from that session (or an API token sent as
 * `Authorization: Bearer <token>`):
 *
 * - `connect`: the session's user, its profile as connection info, a greeting as connect data,
 *   connection meta, and an expiry while `connectTtlS` is set; no session: `{error: 4001}`, or
 *   what `noSession` says (a disconnect, a plain HTTP status);
 * - `refresh`: a new expiry (and `refreshInfo`) while the session lives and `refreshExpired` is
 *   off, else expired;
 * - `subscribe`: `room:*` and `live:*` allowed (with channel info and data), `*:secret` refused
 *   with 403, `*:vip` refused with a plain HTTP 403 (for `status_to_code_transforms`);
 * - `publish`: validation and persistence — `{text}` of 1–140 characters, trimmed and stamped with
 *   an id and the author, saved in `publications`; anything else refused with 400;
 * - `sub_refresh`: a new expiry (and `subRefreshInfo`) unless `subRefreshExpired`;
 * - `rpc`: `getProfile` (the caller's profile), `echo`, in any RPC namespace; other methods 404.
 *
 * Switches: `delayMs` (slow), `faults` per kind or for all (an HTTP status such as 503, garbage
 * JSON, a protocol error or disconnect), `down()`/`up()` (the server closed and listening again
 * on its port). Every proxy call is logged in `calls` as it arrives, with the session's user.
 */
import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import session from 'express-session';

declare module 'express-session' {
  interface SessionData {
    user?: string;
  }
}

/** The proxy kinds the backend answers, as `/centrifugo/<kind>`. */
export type ProxyKind = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'sub_refresh' | 'rpc';

/** What the backend does instead of answering normally. */
export type Fault =
  | { type: 'status'; status: number }
  | { type: 'garbage' }
  | { type: 'error'; code: number; message: string; temporary?: boolean }
  | { type: 'disconnect'; code: number; reason: string };

/** One proxy call as it arrived. */
export interface BackendCall {
  kind: ProxyKind;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The user of the session the request's cookie names, if any. */
  sessionUser: string | undefined;
  at: number;
}

export interface Profile {
  name: string;
  plan: string;
}

/** A publication the backend accepted and saved. */
export interface StoredPublication {
  id: number;
  channel: string;
  user: string;
  text: string;
}

export interface ExpressBackend {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `<url>/centrifugo/<kind>`. */
  endpoint(kind: ProxyKind): string;
  readonly calls: BackendCall[];
  callsOf(kind: ProxyKind): BackendCall[];
  readonly publications: StoredPublication[];
  readonly profiles: Map<string, Profile>;
  /** API tokens (`Authorization: Bearer <token>`) → user. */
  readonly tokens: Map<string, string>;
  /** Every answer waits this long first. */
  delayMs: number;
  /** Faults by kind; `all` for every kind without its own. */
  faults: Partial<Record<ProxyKind | 'all', Fault>>;
  /** Seconds until a connection expires (0: it does not); also the refresh extension. */
  connectTtlS: number;
  /** Seconds until a subscription expires (0: it does not); also the sub_refresh extension. */
  subTtlS: number;
  refreshExpired: boolean;
  subRefreshExpired: boolean;
  /** New connection info a refresh gives (none: unchanged). */
  refreshInfo: unknown;
  /** New channel info a sub_refresh gives (none: unchanged). */
  subRefreshInfo: unknown;
  /** Server-side channels the connect result names. */
  connectChannels: string[];
  /** The connect answer without a session: error 4001 (default), a disconnect, or a status. */
  noSession: Fault;
  /** Logs a user in; resolves with the `Cookie` header value (`sid=…`) to send. */
  login(user: string): Promise<string>;
  /** Destroys the session a cookie names. */
  logout(cookie: string): Promise<void>;
  /** Stops listening and drops every connection (calls are refused). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'sid';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const nowS = (): number => Math.floor(Date.now() / 1000);

/** Starts the backend on 127.0.0.1, port 0. */
export async function startExpressBackend(): Promise<ExpressBackend> {
  const calls: BackendCall[] = [];
  const publications: StoredPublication[] = [];
  const profiles = new Map<string, Profile>([
    ['alice', { name: 'Alice', plan: 'pro' }],
    ['bob', { name: 'Bob', plan: 'free' }],
  ]);
  const tokens = new Map<string, string>();
  const store = new session.MemoryStore();

  const app = express();
  app.use(express.json());
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: 'switchboard-test-secret',
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );

  const userOf = (req: Request): string | undefined => {
    if (req.session.user !== undefined) return req.session.user;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return tokens.get(auth.slice('Bearer '.length));
    return undefined;
  };

  app.post('/login', (req: Request, res: Response) => {
    const user = String((req.body as { user?: unknown } | undefined)?.user ?? '');
    if (!profiles.has(user)) {
      res.status(401).json({ error: 'unknown user' });
      return;
    }
    req.session.regenerate((error) => {
      if (error !== undefined && error !== null) {
        res.status(500).end();
        return;
      }
      req.session.user = user;
      res.json({ ok: true });
    });
  });

  app.post('/logout', (req: Request, res: Response) => {
    req.session.destroy(() => res.json({ ok: true }));
  });

  const handlers: Record<ProxyKind, (req: Request, body: Record<string, unknown>) => unknown> = {
    connect(req) {
      const user = userOf(req);
      if (user === undefined) return backend.noSession;
      const profile = profiles.get(user)!;
      const result: Record<string, unknown> = {
        user,
        info: { name: profile.name },
        data: { greeting: `hello, ${profile.name}` },
        meta: { plan: profile.plan, login: 'cookie' },
      };
      if (backend.connectTtlS > 0) result['expire_at'] = nowS() + backend.connectTtlS;
      if (backend.connectChannels.length > 0) result['channels'] = backend.connectChannels;
      return { result };
    },
    refresh(req) {
      if (backend.refreshExpired || userOf(req) === undefined) return { result: { expired: true } };
      const result: Record<string, unknown> = { expire_at: nowS() + Math.max(1, backend.connectTtlS) };
      if (backend.refreshInfo !== undefined) result['info'] = backend.refreshInfo;
      return { result };
    },
    subscribe(_req, body) {
      const channel = String(body['channel']);
      if (channel.endsWith(':vip')) return { type: 'status', status: 403 } satisfies Fault;
      if (channel.endsWith(':secret')) return { error: { code: 403, message: 'forbidden' } };
      if (!channel.startsWith('room:') && !channel.startsWith('live:')) {
        return { error: { code: 404, message: 'no such channel' } };
      }
      const result: Record<string, unknown> = { info: { role: 'member' }, data: { welcome: channel } };
      if (backend.subTtlS > 0) result['expire_at'] = nowS() + backend.subTtlS;
      return { result };
    },
    publish(_req, body) {
      const data = body['data'] as { text?: unknown } | undefined;
      const text = typeof data?.text === 'string' ? data.text.trim() : '';
      if (text.length === 0 || text.length > 140) {
        return { error: { code: 400, message: 'invalid publication: text of 1 to 140 characters' } };
      }
      const stored: StoredPublication = {
        id: publications.length + 1,
        channel: String(body['channel']),
        user: String(body['user']),
        text,
      };
      publications.push(stored);
      return { result: { data: { id: stored.id, text, by: stored.user } } };
    },
    sub_refresh() {
      if (backend.subRefreshExpired) return { result: { expired: true } };
      const result: Record<string, unknown> = { expire_at: nowS() + Math.max(1, backend.subTtlS) };
      if (backend.subRefreshInfo !== undefined) result['info'] = backend.subRefreshInfo;
      return { result };
    },
    rpc(req, body) {
      // An RPC namespace (`profile:echo`) is routing for the node; the backend goes by the name.
      const method = String(body['method']).replace(/^[^:]*:/, '');
      if (method === 'getProfile') {
        const user = userOf(req) ?? String(body['user']);
        const profile = profiles.get(user);
        if (profile === undefined) return { error: { code: 404, message: 'no profile' } };
        return { result: { data: { user, ...profile } } };
      }
      if (method === 'echo') return { result: { data: { echo: body['data'] ?? null } } };
      return { error: { code: 404, message: `unknown method ${method}` } };
    },
  };

  const answer = (res: Response, reply: unknown): void => {
    const fault = reply as Partial<Fault> | undefined;
    if (fault?.type === 'status') {
      res.status((fault as { status: number }).status).end();
    } else if (fault?.type === 'garbage') {
      res.type('application/json').send('{"result": not json');
    } else if (fault?.type === 'error') {
      const { code, message, temporary } = fault as Extract<Fault, { type: 'error' }>;
      res.json({ error: { code, message, ...(temporary === true ? { temporary } : {}) } });
    } else if (fault?.type === 'disconnect') {
      const { code, reason } = fault as Extract<Fault, { type: 'disconnect' }>;
      res.json({ disconnect: { code, reason } });
    } else {
      res.json(reply);
    }
  };

  app.post('/centrifugo/:kind', async (req: Request, res: Response) => {
    const kind = req.params['kind'] as ProxyKind;
    const handler = handlers[kind];
    if (handler === undefined) {
      res.status(404).end();
      return;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    calls.push({ kind, body, headers: req.headers, sessionUser: req.session.user, at: Date.now() });
    if (backend.delayMs > 0) await sleep(backend.delayMs);
    // The node gave up waiting: nobody reads the answer.
    if (req.socket.destroyed) return;
    const fault = backend.faults[kind] ?? backend.faults.all;
    answer(res, fault ?? handler(req, body));
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let listening = true;

  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (!listening) {
        resolve();
        return;
      }
      listening = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const backend: ExpressBackend = {
    url,
    endpoint: (kind) => `${url}/centrifugo/${kind}`,
    calls,
    callsOf: (kind) => calls.filter((c) => c.kind === kind),
    publications,
    profiles,
    tokens,
    delayMs: 0,
    faults: {},
    connectTtlS: 0,
    subTtlS: 0,
    refreshExpired: false,
    subRefreshExpired: false,
    refreshInfo: undefined,
    subRefreshInfo: undefined,
    connectChannels: [],
    noSession: { type: 'error', code: 4001, message: 'unauthorized' },
    async login(user) {
      const res = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user }),
      });
      if (res.status !== 200) throw new Error(`login of ${user} failed: ${res.status}`);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
      if (cookie === undefined) throw new Error('login set no session cookie');
      return cookie.split(';')[0]!;
    },
    async logout(cookie) {
      await fetch(`${url}/logout`, { method: 'POST', headers: { cookie } });
    },
    down: stop,
    up: () =>
      new Promise<void>((resolve, reject) => {
        if (listening) {
          resolve();
          return;
        }
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          listening = true;
          resolve();
        });
      }),
    close: stop,
  };
  return backend;
}
