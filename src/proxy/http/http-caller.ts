/**
 * A proxy endpoint called with JSON over HTTP/1.1, as Centrifugo calls one: `POST <endpoint>` with
 * the request as the body, 200 with `{result | error | disconnect}` back. Connections are pooled
 * and kept alive (one agent per endpoint); each call has the endpoint's `timeout`; a status other
 * than 200 is mapped by `http.status_to_code_transforms` or is the backend being unavailable.
 */
import http from 'node:http';
import https from 'node:https';
import type { ProxyEndpointConfig } from '../../config/proxy-schema.js';
import {
  type ProxyCaller,
  type ProxyHeaders,
  type ProxyKind,
  type ProxyRequest,
  type ProxyResponse,
  ProxyUnavailableError,
} from '../caller.js';
import { encodeRequestJson } from './request-json.js';
import { parseProxyResponse } from './response-json.js';
import { statusTransform } from './status-transform.js';

/** Idle keep-alive connections kept per endpoint; Centrifugo keeps 255 per host. */
const MAX_FREE_SOCKETS = 255;
/** A response body larger than this is not a proxy response. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class HttpProxyCaller implements ProxyCaller {
  readonly protocol = 'http' as const;
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(private readonly config: ProxyEndpointConfig) {
    this.url = new URL(config.endpoint);
    const secure = this.url.protocol === 'https:';
    const options = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    this.request = secure ? https.request : http.request;
  }

  call(
    _kind: ProxyKind,
    body: ProxyRequest,
    headers: ProxyHeaders,
    signal?: AbortSignal,
  ): Promise<ProxyResponse> {
    const payload = Buffer.from(encodeRequestJson(body), 'utf8');
    const config = this.config;
    return new Promise<ProxyResponse>((resolve, reject) => {
      let settled = false;
      const fail = (message: string, reason: ProxyUnavailableError['reason'], status?: number): void => {
        if (settled) return;
        settled = true;
        reject(new ProxyUnavailableError(message, reason, status));
      };
      const req = this.request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          ...config.http.static_headers,
          ...headers,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      });
      const timer = setTimeout(() => {
        fail(`no answer within ${config.timeout} ms`, 'timeout');
        req.destroy();
      }, config.timeout);
      const onAbort = (): void => {
        fail('cancelled: the client went away', 'connection');
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('error', (error: NodeJS.ErrnoException) => {
        done();
        fail(`request failed: ${error.code ?? error.message}`, 'connection');
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          // Read it out so the connection goes back to the pool.
          res.resume();
          res.on('end', done);
          const transformed = statusTransform(config.http.status_to_code_transforms, status);
          if (transformed !== undefined) {
            if (!settled) {
              settled = true;
              resolve(transformed);
            }
          } else {
            fail(`unexpected HTTP status ${status}`, 'status', status);
          }
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            done();
            fail(`response larger than ${MAX_RESPONSE_BYTES} bytes`, 'response');
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', () => {
          done();
          fail('response cut short', 'connection');
        });
        res.on('end', () => {
          done();
          if (settled) return;
          const parsed = parseProxyResponse(Buffer.concat(chunks, size));
          if (parsed === undefined) {
            fail('the response is not a proxy response (a JSON object)', 'response');
            return;
          }
          settled = true;
          resolve(parsed);
        });
      });
      req.end(payload);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
