/**
 * The admin web UI at `/admin`: the page and its files (GET), login (`POST /admin/auth` with the
 * password, answering a session token, throttled per address and per node) and the JSON endpoints
 * `POST /admin/api/<method>`, which run server API methods for a request carrying
 * `Authorization: token <t>`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { callMethod } from '../api/dispatch.js';
import type { GatewayNode } from '../gateway/node.js';
import { trustedProxiesOf } from '../http/client-address.js';
import { HttpError } from '../http/http-error.js';
import { readJsonBody } from '../http/json-body.js';
import { writeJson } from '../http/json-response.js';
import { type StaticFile, writeFile } from '../http/static-file.js';
import { LoginThrottle, throttleKey } from './login-throttle.js';
import { AdminSessions } from './session-token.js';
import { inlineScriptHashes, loadAdminFiles } from './static-files.js';

/** The server API methods the UI uses. */
export const ADMIN_METHODS = new Set(['info', 'channels', 'connections', 'publish', 'disconnect']);

/** Largest login body, bytes. */
const AUTH_BODY_LIMIT = 4096;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** The admin UI's request handler, mounted at `/admin` by the HTTP server. */
export class AdminHttp {
  private readonly sessions: AdminSessions;
  private readonly throttle = new LoginThrottle();
  private readonly files: Map<string, StaticFile>;
  private readonly csp: string;

  constructor(private readonly node: GatewayNode) {
    const { password, secret } = node.config.admin;
    this.sessions = new AdminSessions(password, secret);
    this.files = loadAdminFiles();
    const scripts = inlineScriptHashes(this.files.get('index.html')!.body.toString());
    this.csp = [
      "default-src 'self'",
      `script-src 'self' ${scripts.join(' ')}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
  }

  /** Handles a request whose path is `/admin` or starts with `/admin/`. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      if (path === '/admin') {
        res.writeHead(301, { location: '/admin/', 'content-length': 0 });
        res.end();
      } else if (path === '/admin/auth') {
        await this.login(req, res);
      } else if (path.startsWith('/admin/api/')) {
        await this.call(req, res, path.slice('/admin/api/'.length));
      } else {
        this.serveFile(req, res, path.slice('/admin/'.length) || 'index.html');
      }
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, JSON.stringify({ error: error.message }));
      } else {
        this.node.log.error({ err: error }, 'admin request failed');
        sendJson(res, 500, '{"error":"internal server error"}');
      }
    }
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed: use POST');
    const insecure = this.node.config.admin.insecure;
    // Behind a trusted proxy, from X-Forwarded-For: else every login would share the proxy's budget.
    const address = trustedProxiesOf(this.node.config).clientAddress(req);
    const key = throttleKey(address);
    // Checked before the body is read: a throttled guess is never compared, so a 429 tells nothing.
    const attempt = insecure ? ({ allowed: true } as const) : this.throttle.attempt(key);
    if (!attempt.allowed) {
      const retryAfter = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
      if (attempt.first) {
        this.node.log.warn(
          { address, scope: attempt.scope, retryAfter },
          attempt.scope === 'address'
            ? 'admin logins throttled for this address: too many wrong passwords'
            : 'admin logins throttled for every address: too many wrong passwords on this node',
        );
      }
      sendJson(res, 429, '{"error":"too many login attempts, retry later"}', {
        'retry-after': String(retryAfter),
      });
      return;
    }
    const body = await readJsonBody(req, AUTH_BODY_LIMIT);
    const password =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['password'] : undefined;
    if (!insecure && (typeof password !== 'string' || !this.sessions.passwordMatches(password))) {
      this.node.log.warn({ address }, 'admin login refused: wrong password');
      throw new HttpError(401, 'unauthorized: wrong password');
    }
    if (!insecure) this.throttle.succeeded(key);
    sendJson(res, 200, JSON.stringify({ token: this.sessions.issue() }));
  }

  private async call(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed: use POST');
    if (!this.authorized(req)) throw new HttpError(401, 'unauthorized: log in first');
    if (!ADMIN_METHODS.has(method)) throw new HttpError(404, 'not found');
    const params = await readJsonBody(req, this.node.config.http_api.max_body_size);
    const outcome = await callMethod(this.node, method, params);
    sendJson(
      res,
      200,
      'error' in outcome ? JSON.stringify({ error: outcome.error }) : `{"result":${outcome.result}}`,
    );
  }

  private authorized(req: IncomingMessage): boolean {
    if (this.node.config.admin.insecure) return true;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.toLowerCase().startsWith('token ')) return false;
    return this.sessions.verify(header.slice('token '.length).trim());
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, name: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, 'method not allowed: use GET');
    const file = this.files.get(name);
    if (file === undefined) throw new HttpError(404, 'not found');
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'cache-control': name.startsWith('vendor/') ? 'public, max-age=3600' : 'no-cache',
    };
    if (name === 'index.html') headers['content-security-policy'] = this.csp;
    writeFile(req, res, file, headers);
  }
}

/** A JSON answer with the security headers, never cached. */
function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  writeJson(res, status, body, { ...SECURITY_HEADERS, ...headers, 'cache-control': 'no-store' });
}
