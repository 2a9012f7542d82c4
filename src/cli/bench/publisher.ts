/**
 * The publisher of `switchboard bench`: calls the server API's `publish` at a steady rate over keep-alive
 * connections, each publication stamped with its send time.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { STAMP_KEY } from './client.js';
import { nowMs } from './histogram.js';

export interface ApiTarget {
  /** Base URL, like http://host:8000 */
  url: string;
  /** Sent as X-API-Key; none with http_api.insecure. */
  key?: string | undefined;
}

/**
 * Most publish requests in flight, one per keep-alive socket: beyond it the publisher falls behind
 * (visible in the published rate) instead of queueing stamped requests, which would count the queue
 * as delivery latency.
 */
const MAX_IN_FLIGHT = 64;

export class ApiCaller {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(private readonly target: ApiTarget) {
    this.base = new URL(target.url);
    const secure = this.base.protocol === 'https:';
    this.agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT })
      : new HttpAgent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
    this.request = secure ? httpsRequest : httpRequest;
  }

  /** Calls a method; resolves with the HTTP status and the body text, rejects on a network error. */
  call(method: string, body: string): Promise<{ status: number; text: string }> {
    const url = new URL(`api/${method}`, this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (this.target.key !== undefined) headers['x-api-key'] = this.target.key;
    return new Promise((resolve, reject) => {
      const req = this.request(
        url,
        { method: 'POST', agent: this.agent, headers, timeout: 10_000 },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface PublisherOptions {
  channel: string;
  /** Publications per second. */
  rate: number;
  /** Bytes of padding in each publication's data. */
  payload: number;
}

/** Publishes at a rate until stopped; counts what the API accepted and what failed. */
export class Publisher {
  sent = 0;
  accepted = 0;
  failed = 0;
  firstError: string | undefined;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private idle: (() => void) | undefined;
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(
    private readonly api: ApiCaller,
    private readonly options: PublisherOptions,
  ) {
    this.prefix = `{"channel":${JSON.stringify(options.channel)},"data":{"${STAMP_KEY}":`;
    this.suffix = options.payload > 0 ? `,"pad":"${'x'.repeat(options.payload)}"}}` : '}}';
  }

  start(): void {
    this.startedAt = nowMs();
    const tickMs = Math.max(1, Math.min(50, Math.floor(1000 / this.options.rate)));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.tick();
  }

  /** Stops publishing; resolves once every request in flight has been answered. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
    });
  }

  private tick(): void {
    const due = Math.floor(((nowMs() - this.startedAt) * this.options.rate) / 1000) + 1;
    while (this.sent < due && this.inFlight < MAX_IN_FLIGHT) this.publishOne();
  }

  private publishOne(): void {
    this.sent++;
    this.inFlight++;
    const body = `${this.prefix}${nowMs().toFixed(3)}${this.suffix}`;
    this.api
      .call('publish', body)
      .then(
        ({ status, text }) => {
          if (status === 200 && !text.startsWith('{"error"')) this.accepted++;
          else this.fail(`publish answered HTTP ${status}: ${text.slice(0, 200)}`);
        },
        (error: Error) => this.fail(`publish failed: ${error.message}`),
      )
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) this.idle?.();
      });
  }

  private fail(why: string): void {
    this.failed++;
    this.firstError ??= why;
  }
}
