/**
 * The server API over HTTP: `POST /api/<method>` with `X-API-Key` and a JSON body. Answers
 * `{"result":...}` or `{"error":{"code","message"}}` (`batch`: `{"replies":[...]}`, as Centrifugo);
 * malformed requests get 4xx JSON errors.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TrustedProxies } from '../http/client-address.js';
import { HttpError } from '../http/http-error.js';
import { readJsonBody } from '../http/json-body.js';
import { writeJson } from '../http/json-response.js';
import { ErrorCode } from '../protocol/codes.js';
import { headerCarrier, type Tracing } from '../tracing/tracing.js';
import type { ApiContext } from './context.js';
import { type BatchOutcome, type CallOutcome, callBatch, callMethod } from './dispatch.js';
import { apiMethods } from './methods/index.js';
import { OPENAPI_PATH, OpenApiRoute } from './openapi/route.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Where the server API counts its requests (`metrics/node-metrics.ts`). */
export interface ApiMetrics {
  /** A request was answered with this HTTP status and result (ok or an error code) after `seconds`. */
  apiCall(method: string, status: number, result: string, seconds?: number): void;
}

/** The server API's request handler, mounted at `/api` by the HTTP server. */
export class HttpApi {
  /** Digests of `http_api.key` and `http_api.extra_keys`; empty: no key configured. */
  private readonly keyDigests: Buffer[];
  /** `GET /api/openapi.json`, the description of this API. */
  private readonly openapi: OpenApiRoute;

  /**
   * @param metrics counts and times requests; none when the node has no metrics.
   * @param tracing a span per request when `opentelemetry.api`, continuing the caller's `traceparent`.
   * @param trusted the proxies whose `X-Forwarded-For` names the client in logs.
   */
  constructor(
    private readonly ctx: ApiContext,
    private readonly metrics?: ApiMetrics,
    private readonly tracing?: Tracing,
    private readonly trusted?: TrustedProxies,
  ) {
    const { key, extra_keys } = ctx.config.http_api;
    this.keyDigests = (key === '' ? [] : [key, ...extra_keys]).filter((k) => k !== '').map(digest);
    this.openapi = new OpenApiRoute(ctx.config.http_api);
  }

  /** Handles a request whose path starts with `/api`. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === OPENAPI_PATH) return this.openapi.serve(req, res, () => this.authorize(req));
    const metrics = this.metrics;
    const name = path.slice('/api/'.length);
    // Only known names become label values, so made-up paths cannot grow the metric without bound.
    const label = name === 'batch' || apiMethods.has(name) ? name : 'unknown';
    const started = performance.now();
    const tracing = this.tracing?.api === true ? this.tracing : undefined;
    const span = tracing?.start(
      `POST /api/${label}`,
      'server',
      { 'http.request.method': req.method ?? '', 'url.path': path, 'switchboard.api.method': label },
      headerCarrier(req.headers),
    );
    const answered = (status: number, result: string): void => {
      metrics?.apiCall(label, status, result, (performance.now() - started) / 1000);
      if (span === undefined) return;
      span.setAttributes({ 'http.response.status_code': status, 'switchboard.api.result': result });
      tracing?.end(span, result === 'ok' ? undefined : `api error ${result}`);
    };
    try {
      if (req.method !== 'POST')
        throw new HttpError(405, 'method not allowed: use POST', ErrorCode.BadRequest);
      this.authorize(req);
      const method = path.slice('/api/'.length);
      if (method === '' || method.includes('/'))
        throw new HttpError(404, 'not found: use POST /api/<method>', ErrorCode.MethodNotFound);
      if (!acceptedContentType(req.headers['content-type'])) {
        throw new HttpError(
          415,
          'unsupported media type: send a JSON body as application/json',
          ErrorCode.BadRequest,
        );
      }
      const body = await readJsonBody(req, this.ctx.config.http_api.max_body_size);
      const outcome =
        method === 'batch' ? await callBatch(this.ctx, body) : await callMethod(this.ctx, method, body);
      if ('error' in outcome && outcome.error.code === 104)
        throw new HttpError(404, outcome.error.message, ErrorCode.MethodNotFound);
      send(res, 200, encodeOutcome(outcome));
      answered(200, 'error' in outcome ? String(outcome.error.code) : 'ok');
    } catch (error) {
      if (error instanceof HttpError) {
        // A refused body (413, or 400 when not JSON) is a bad request (107) here.
        const code = error.code ?? ErrorCode.BadRequest;
        send(res, error.status, JSON.stringify({ error: { code, message: error.message } }));
        answered(error.status, String(code));
      } else {
        this.ctx.log.error({ err: error }, 'api request failed');
        send(res, 500, '{"error":{"code":100,"message":"internal server error"}}');
        answered(500, '100');
      }
    }
  }

  /** Constant-time key check; the key is never logged. */
  private authorize(req: IncomingMessage): void {
    if (this.ctx.config.http_api.insecure) return;
    if (this.keyDigests.length === 0) {
      throw new HttpError(
        401,
        'unauthorized: the server has no http_api.key configured',
        ErrorCode.Unauthorized,
      );
    }
    let given = req.headers['x-api-key'];
    if (given === undefined) {
      const auth = req.headers.authorization;
      if (typeof auth === 'string' && auth.toLowerCase().startsWith('apikey ')) given = auth.slice(7);
    }
    // Every key is compared, so the time taken does not tell which one matched.
    const got = typeof given === 'string' ? digest(given) : null;
    let ok = false;
    for (const want of this.keyDigests) if (got !== null && timingSafeEqual(got, want)) ok = true;
    if (!ok) {
      this.ctx.log.debug(
        { address: this.trusted?.clientAddress(req) ?? req.socket.remoteAddress },
        'api request refused: missing or wrong key',
      );
      throw new HttpError(401, 'unauthorized: missing or wrong X-API-Key header', ErrorCode.Unauthorized);
    }
  }
}

/**
 * JSON bodies arrive labelled in many ways: `application/json`, curl's default form type, fetch's
 * default `text/plain`, or nothing. Types that cannot hold a JSON body (multipart, XML, binary) are refused.
 */
function acceptedContentType(header: string | undefined): boolean {
  if (header === undefined || header === '') return true;
  const type = header.split(';', 1)[0]!.trim().toLowerCase();
  return (
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'text/plain' ||
    type === 'application/x-www-form-urlencoded'
  );
}

function encodeOutcome(outcome: CallOutcome | BatchOutcome): string {
  if ('error' in outcome) return JSON.stringify({ error: outcome.error });
  return 'body' in outcome ? outcome.body : `{"result":${outcome.result}}`;
}

/** Writes an answer; after a 413 the connection is not kept alive. */
function send(res: ServerResponse, status: number, body: string): void {
  if (status === 413 && !res.headersSent) res.shouldKeepAlive = false;
  writeJson(res, status, body);
}
