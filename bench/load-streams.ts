/**
 * Load clients for Switchboard's bidirectional emulation, as the `centrifuge` JS SDK uses it:
 * HTTP streaming (`POST /connection/http_stream`, JSON, one message per line) and SSE
 * (`GET /connection/sse?cf_connect=…`, one message per `data:` line). The stream carries replies
 * and pushes; the later commands (the subscribe, pongs) go as `POST /emulation` requests naming the
 * session and node from the connect reply. Ready, a chunk is only scanned for publication stamps
 * (and for the rare ping), never parsed per message.
 */
import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import type { BenchClient, ClientOptions, Delivery } from './load-clients.js';

/** The emulation transports, by the proto name the load generator knows them by. */
export type StreamProto = 'switchboard-http-stream' | 'switchboard-sse';

export function isStreamProto(proto: string): proto is StreamProto {
  return proto === 'switchboard-http-stream' || proto === 'switchboard-sse';
}

/** `/emulation` requests share kept-alive sockets; each stream has a socket of its own. */
const emulationAgent = new Agent({ keepAlive: true, maxSockets: 64 });

const SSE_PREFIX = 'data: ';

export class StreamLoadClient implements BenchClient {
  recovered = false;
  offset = 0;
  readonly latest = new Map<string, number>();
  onClose: (() => void) | undefined;
  private req: ClientRequest | undefined;
  private res: IncomingMessage | undefined;
  private isReady = false;
  /** The text after the last complete line of the stream so far. */
  private carry = '';
  private session = '';
  private node = '';

  constructor(
    private readonly sink: Delivery,
    public options: ClientOptions,
  ) {
    if (!isStreamProto(options.proto)) throw new Error(`not an emulation transport: ${options.proto}`);
  }

  private get sse(): boolean {
    return this.options.proto === 'switchboard-sse';
  }

  /** Opens the stream with the connect command, then subscribes through `/emulation`. */
  open(recover = false): Promise<void> {
    if (recover || this.options.track || this.options.delta || this.options.docs || this.options.keys)
      return Promise.reject(new Error('emulation load clients only count deliveries'));
    this.isReady = false;
    this.carry = '';
    const token = this.options.token ? `"token":"${this.options.token}"` : '';
    const connect = `{"id":1,"connect":{${token}}}`;
    const req = this.sse
      ? request({
          host: '127.0.0.1',
          port: this.options.port,
          path: `/connection/sse?cf_connect=${encodeURIComponent(connect)}`,
          method: 'GET',
          agent: false,
          headers: { accept: 'text/event-stream' },
        })
      : request({
          host: '127.0.0.1',
          port: this.options.port,
          path: '/connection/http_stream',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(connect) },
        });
    this.req = req;
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        if (this.isReady) return;
        req.destroy();
        reject(new Error(why));
      };
      const ready = () => {
        this.isReady = true;
        resolve();
      };
      req.on('error', (e) => fail(e.message));
      req.on('close', () => {
        if (this.isReady) this.onClose?.();
        else fail('stream closed during handshake');
      });
      req.on('response', (res) => {
        this.res = res;
        if (res.statusCode !== 200) {
          fail(`stream answered ${res.statusCode}`);
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.onChunk(chunk, ready, fail));
      });
      req.end(this.sse ? undefined : connect);
    });
  }

  private onChunk(chunk: string, ready: () => void, fail: (why: string) => void): void {
    const end = chunk.lastIndexOf('\n');
    if (end === -1) {
      this.carry += chunk;
      return;
    }
    const text = this.carry === '' ? chunk.slice(0, end) : this.carry + chunk.slice(0, end);
    this.carry = chunk.slice(end + 1);
    if (this.isReady) {
      this.sink.scan(text);
      // A ping is an empty object on a line of its own; publications never hold one.
      if (text.includes('{}'))
        for (const line of text.split('\n')) if (this.message(line) === '{}') this.pong();
      return;
    }
    for (const line of text.split('\n')) {
      const message = this.message(line);
      if (message === '') continue;
      if (message === '{}') {
        this.pong();
        continue;
      }
      const msg = JSON.parse(message) as {
        id?: number;
        error?: { code: number; message: string };
        connect?: { session?: string; node?: string };
      };
      if (msg.error) fail(`error ${msg.error.code} ${msg.error.message}`);
      else if (msg.id === 1 && msg.connect) {
        this.session = msg.connect.session ?? '';
        this.node = msg.connect.node ?? '';
        if (this.session === '') fail('connect reply without a session');
        else if (this.options.channel) {
          const subscribe = `{"id":2,"subscribe":{"channel":${JSON.stringify(this.options.channel)}}}`;
          this.emulate(subscribe).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
        } else ready();
      } else if (msg.id === 2) ready();
      else if (this.isReady) this.sink.scan(message);
    }
  }

  /** One line of the stream as a protocol message: SSE lines lose their `data: ` prefix. */
  private message(line: string): string {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (!this.sse) return text;
    return text.startsWith(SSE_PREFIX) ? text.slice(SSE_PREFIX.length) : '';
  }

  private pong(): void {
    this.emulate('{}').catch(() => {
      // a lost pong shows as the server closing the stream
    });
  }

  /** `POST /emulation` with `commands` (JSON text) for this session; resolves on 204. */
  private emulate(commands: string): Promise<void> {
    const body = JSON.stringify({ node: this.node, session: this.session, data: commands });
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.options.port,
          path: '/emulation',
          method: 'POST',
          agent: emulationAgent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 204 ? resolve() : reject(new Error(`/emulation answered ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.onClose = undefined;
    this.res?.destroy();
    this.req?.destroy();
  }
}
