/**
 * One raw WebSocket client of `switchboard bench`: connects and subscribes with the JSON protocol, then
 * answers pings and counts the publications it receives without parsing them (a scan for the stamp).
 */
import WebSocket from 'ws';
import { type Histogram, nowMs } from './histogram.js';

/** The data key carrying the publish time; unusual enough not to appear elsewhere in a frame. */
export const STAMP_KEY = 'sbt';
const STAMP = `"${STAMP_KEY}":`;

/** Deliveries counted by every client of a run. */
export interface DeliverySink {
  received: number;
  latency: Histogram;
}

export interface BenchClientOptions {
  url: string;
  channel: string;
  /** Connection token; none with a node in insecure mode. */
  token?: string | undefined;
  /** Fails the handshake after this long. */
  timeoutMs: number;
}

/** True when a frame holds a ping (`{}`) line: alone, first, or after another line. */
function hasPing(text: string): boolean {
  return text === '{}' || text.startsWith('{}\n') || text.includes('\n{}');
}

export class BenchClient {
  private ws: WebSocket | undefined;
  private ready = false;
  private closing = false;
  /** Called once if the socket closes after the handshake. */
  onDrop: ((why: string) => void) | undefined;

  constructor(
    private readonly sink: DeliverySink,
    private readonly options: BenchClientOptions,
  ) {}

  /** Resolves once connected and subscribed; rejects with a readable reason. */
  open(): Promise<void> {
    const { url, channel, token, timeoutMs } = this.options;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(`no reply to connect and subscribe within ${timeoutMs} ms`),
        timeoutMs,
      );
      const fail = (why: string): void => {
        clearTimeout(timer);
        if (this.ready) return;
        ws.terminate();
        reject(new Error(why));
      };
      ws.on('error', (error) => fail(error.message || String(error)));
      ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode} on the WebSocket upgrade`));
      ws.on('close', (code, reason) => {
        const why = `closed with code ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''}`;
        if (!this.ready) fail(why);
        else if (!this.closing) this.onDrop?.(why);
      });
      ws.on('open', () => {
        const connect =
          token === undefined ? '{"id":1,"connect":{}}' : `{"id":1,"connect":{"token":"${token}"}}`;
        ws.send(`${connect}\n{"id":2,"subscribe":{"channel":${JSON.stringify(channel)}}}`);
      });
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (this.ready) {
          this.count(text);
          if (hasPing(text)) ws.send('{}');
          return;
        }
        for (const line of text.split('\n')) {
          if (line === '') continue;
          if (line === '{}') {
            ws.send('{}');
            continue;
          }
          const msg = JSON.parse(line) as { id?: number; error?: { code: number; message: string } };
          if (msg.error !== undefined) {
            fail(`${msg.id === 1 ? 'connect' : 'subscribe'} failed: ${msg.error.code} ${msg.error.message}`);
            return;
          }
          if (msg.id === 2) {
            clearTimeout(timer);
            this.ready = true;
            resolve();
          } else if (this.ready) {
            this.count(line);
          }
        }
      });
    });
  }

  /** Counts every stamp in a frame and records its latency. */
  private count(text: string): void {
    let i = text.indexOf(STAMP);
    if (i === -1) return;
    const now = nowMs();
    while (i !== -1) {
      const start = i + STAMP.length;
      this.sink.latency.record(now - Number.parseFloat(text.slice(start, start + 24)));
      this.sink.received++;
      i = text.indexOf(STAMP, start);
    }
  }

  close(): void {
    this.closing = true;
    this.ws?.terminate();
  }
}
