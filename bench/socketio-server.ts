/**
 * The socket.io 4 counterpart of a Switchboard node, in its own process. Clients connect with
 * `auth: {token}` (an HS256 JWT, verified like Switchboard does) and `?rooms=a,b` in the handshake
 * URL; each joins its personal room `#<sub>` and the listed rooms. `POST /publish` with
 * `{"publications":[{"channel","data"}]}` emits one `pub` event per publication to the channel's room
 * (one room broadcast each, through the Redis adapter when `REDIS_URL` is set).
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';
import { announce } from './server-ipc.js';

interface PublishBody {
  publications: { channel: string; data: unknown }[];
}

const secret = new TextEncoder().encode(process.env['BENCH_SECRET'] ?? '');
const redisUrl = process.env['REDIS_URL'] ?? '';

const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString()) as PublishBody;
    for (const p of body.publications) io.to(p.channel).emit('pub', p.data);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
if (redisUrl !== '') {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
}

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof token !== 'string') {
    next();
    return;
  }
  jwtVerify(token, secret, { algorithms: ['HS256'] }).then(
    ({ payload }) => {
      socket.data = { user: payload.sub ?? '' };
      next();
    },
    (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
  );
});

io.on('connection', (socket) => {
  const user = (socket.data as { user?: string } | undefined)?.user;
  const rooms = String(socket.handshake.query['rooms'] ?? '')
    .split(',')
    .filter((r) => r !== '');
  if (user) rooms.push(`#${user}`);
  if (rooms.length > 0) socket.join(rooms);
});

http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  announce(typeof address === 'object' && address !== null ? address.port : 0, () => io.engine.clientsCount);
});
process.on('SIGTERM', () => process.exit(0));
