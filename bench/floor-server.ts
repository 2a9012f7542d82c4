/**
 * Write-path floors: plain `ws` servers that do the least a push gateway must do to deliver each
 * publication to every connected client, as lower bounds on the CPU per delivery of the write path.
 * They verify no token, keep no subscriptions (every client gets every publication), no history, no
 * per-client queue; clients (the load generator's `ws` proto) send nothing. `BENCH_FLOOR` picks:
 *
 * - `raw`: per publication, one WebSocket frame built once, then one `socket.write` of it per client.
 * - `batched`: the publications of an event-loop turn joined by `\n` (Centrifugo's JSON batch form)
 *   into one frame at `setImmediate`, written once to every client: one write per connection per turn.
 *
 * `POST /api/publish` `{"channel","data"}` and `POST /api/batch` `{"commands":[{"publish":…}]}` take
 * publications; each goes out as the Centrifugo push `{"push":{"channel":…,"pub":{"data":…}}}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { announce } from './server-ipc.js';

interface Publish {
  channel: string;
  data: unknown;
}

const batched = process.env['BENCH_FLOOR'] === 'batched';

/** The raw TCP socket of every open client; frames go to them directly, past `ws`'s sender. */
const sockets = new Set<Socket>();

/** One unmasked FIN text frame of `text`: the 2, 4 or 10-byte header and the payload in one Buffer. */
function frame(text: string): Buffer {
  const n = Buffer.byteLength(text);
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(n, 6);
  }
  out.write(text, head, 'utf8');
  return out;
}

/** Writes one frame to every client: the same Buffer each time, so no copy per delivery. */
function broadcast(buf: Buffer): void {
  for (const socket of sockets) if (!socket.destroyed) socket.write(buf);
}

const pushOf = (p: Publish): string =>
  `{"push":{"channel":${JSON.stringify(p.channel)},"pub":{"data":${JSON.stringify(p.data)}}}}`;

/** Batched: the pushes of this turn, flushed at `setImmediate` (after the turn's I/O callbacks). */
let queued: string[] = [];
function flush(): void {
  const turn = queued;
  queued = [];
  broadcast(frame(turn.join('\n')));
}

function deliver(p: Publish): void {
  if (!batched) {
    broadcast(frame(pushOf(p)));
    return;
  }
  if (queued.length === 0) setImmediate(flush);
  queued.push(pushOf(p));
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST' || (req.url !== '/api/publish' && req.url !== '/api/batch')) {
    answer(res, 404, '{"error":{"code":404,"message":"not found"}}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Publish & { commands?: { publish?: Publish }[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      answer(res, 400, '{"error":{"code":400,"message":"bad request"}}');
      return;
    }
    if (req.url === '/api/publish') {
      deliver(body);
      answer(res, 200, '{"result":{}}');
      return;
    }
    const commands = body.commands ?? [];
    for (const c of commands) if (c.publish) deliver(c.publish);
    answer(res, 200, `{"replies":[${commands.map(() => '{"publish":{}}').join(',')}]}`);
  });
}

const http = createServer(onRequest);
// No client tracking by `ws`: the set above is the only list walked per publication.
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws: WebSocket) => {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  announce(typeof address === 'object' && address !== null ? address.port : 0, () => sockets.size);
});
process.on('SIGTERM', () => process.exit(0));
