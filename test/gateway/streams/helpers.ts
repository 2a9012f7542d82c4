import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Centrifuge, type Options, type PublicationContext } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { sleep, startNginx, TEST_API_KEY, token } from '../../harness/index.js';

/** A recoverable namespace with presence and history for subscribers, as the SDK suites use. */
export const chat = {
  name: 'chat',
  history_size: 1000,
  history_ttl: '300s',
  force_recovery: true,
  presence: true,
  allow_presence_for_subscriber: true,
  allow_history_for_subscriber: true,
};

/** Node config with both emulation transports on and the chat namespace. */
export const streamConfig = {
  http_stream: { enabled: true },
  sse: { enabled: true },
  channel: { namespaces: [chat] },
};

export type Encoding = 'json' | 'protobuf';
export type StreamTransportName = 'websocket' | 'http_stream' | 'sse';

/** The SDK's transport endpoints of a base URL (a node or nginx). */
export function endpoints(
  base: string,
  names: StreamTransportName[],
): { transport: StreamTransportName; endpoint: string }[] {
  const path = {
    websocket: '/connection/websocket',
    http_stream: '/connection/http_stream',
    sse: '/connection/sse',
  };
  return names.map((transport) => ({
    transport,
    endpoint: (transport === 'websocket' ? base.replace(/^http/, 'ws') : base) + path[transport],
  }));
}

/**
 * The JS SDK in Node over the given transports of `base`, with the emulation endpoint of `base`,
 * short reconnect delays and a 5 s timeout. Not connected yet.
 */
export function streamClient(
  base: string,
  names: StreamTransportName[],
  encoding: Encoding,
  options: Partial<Options> = {},
): Centrifuge {
  const Client = encoding === 'protobuf' ? ProtobufCentrifuge : Centrifuge;
  return new Client(endpoints(base, names), {
    fetch,
    readableStream: ReadableStream,
    emulationEndpoint: `${base}/emulation`,
    minReconnectDelay: 50,
    maxReconnectDelay: 300,
    timeout: 5000,
    ...options,
  }) as Centrifuge;
}

/** Publishes `{ n }` through a server API at `base`, retrying while a node is away; resolves with the offset. */
export async function publish(base: string, channel: string, n: number, payload?: string): Promise<number> {
  let last = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const res = await fetch(`${base}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: JSON.stringify({
          channel,
          data: payload === undefined ? { n } : { n, payload },
          idempotency_key: `${channel}-${n}`,
        }),
      });
      const body = (await res.json()) as { result?: { offset?: number } };
      if (res.status === 200 && body.result !== undefined) return body.result.offset ?? 0;
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(30);
  }
  throw new Error(`publication ${n} to ${channel} failed: ${last}`);
}

/** The `n` of every publication, in arrival order. */
export function numbers(got: PublicationContext[]): number[] {
  return got.map(
    (p) => (p.data instanceof Uint8Array ? JSON.parse(Buffer.from(p.data).toString()) : p.data).n,
  );
}

export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Connects a user and gives the SDK its connection token. */
export async function tokenFor(user: string, ttlSeconds?: number): Promise<string> {
  return token(user, {}, ttlSeconds);
}

// ---------------------------------------------------------------------------------------------
// The shipped nginx config, strictly round-robin, with an access log

export interface StreamNginx {
  baseUrl: string;
  /** One `{ uri, upstream, status }` per request nginx finished, in order. */
  accessLog(): { uri: string; upstream: string; status: number }[];
  stop(): Promise<void>;
}

/**
 * The shipped `deploy/nginx.conf` (its streaming locations as they are) in front of `ports`, with
 * strict round-robin (no `least_conn`, so consecutive requests go to consecutive nodes) and an
 * access log with each request's upstream. `blockWebSocket` answers 403 on `/connection/websocket`,
 * so the SDK must fall back.
 */
export async function startStreamNginx(
  ports: number[],
  options: { blockWebSocket?: boolean } = {},
): Promise<StreamNginx> {
  const edit = (config: string, dir: string): string => {
    let text = config.replace(/\n\s*least_conn;/, '');
    text = text.replace(
      /access_log off;/,
      `log_format upstreams '$request_uri $upstream_addr $status';\n    access_log ${join(dir, 'access.log')} upstreams;`,
    );
    if (options.blockWebSocket !== true) return text;
    return text.replace(
      /\n(\s*)location \/api\/ \{/,
      '\n        location = /connection/websocket { return 403; }\n$1location /api/ {',
    );
  };
  const nginx = await startNginx(ports, { edit });
  const logFile = join(nginx.dir, 'access.log');
  return {
    baseUrl: nginx.baseUrl,
    accessLog() {
      if (!existsSync(logFile)) return [];
      return readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [uri = '', upstream = '', status = '0'] = line.split(' ');
          return { uri, upstream, status: Number(status) };
        });
    },
    stop: () => nginx.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// A raw JSON HTTP-streaming session

export interface RawStream {
  response: IncomingMessage;
  /** Every JSON line the stream carried so far. */
  frames: Record<string, unknown>[];
  /** The connect reply's session and node, for `/emulation` requests. */
  session: string;
  node: string;
  client: string;
  /** Resolves once the response ended or its socket closed. */
  ended: Promise<void>;
  close(): void;
}

/** Opens `POST /connection/http_stream` with a JSON connect command; resolves after the connect reply. */
export async function openRawStream(base: string, user: string, subs: string[] = []): Promise<RawStream> {
  const connect = {
    id: 1,
    connect: { token: await token(user), subs: Object.fromEntries(subs.map((c) => [c, {}])) },
  };
  const req = httpRequest(`${base}/connection/http_stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  req.end(JSON.stringify(connect));
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  if (response.statusCode !== 200) throw new Error(`http_stream answered ${response.statusCode}`);
  const frames: Record<string, unknown>[] = [];
  let buffered = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffered += chunk;
    for (let i = buffered.indexOf('\n'); i !== -1; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (line !== '') frames.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const ended = new Promise<void>((resolve) => {
    response.once('close', resolve);
    response.once('end', resolve);
  });
  const deadline = Date.now() + 5000;
  while (frames.length === 0) {
    if (Date.now() > deadline) throw new Error('no connect reply on the stream');
    await sleep(10);
  }
  const result = (frames[0] as { connect?: { session?: string; node?: string; client?: string } }).connect;
  if (result?.session === undefined || result.node === undefined || result.client === undefined) {
    throw new Error(`connect reply without session/node: ${JSON.stringify(frames[0])}`);
  }
  return {
    response,
    frames,
    session: result.session,
    node: result.node,
    client: result.client,
    ended,
    close: () => req.destroy(),
  };
}

/** `POST /emulation` with a raw body; resolves with the status and the body text. */
export async function emulate(
  base: string,
  body: string | Uint8Array,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/emulation`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, text: await res.text() };
}
