/**
 * The application backend of the `proxy` scenario, in its own process so its CPU is not the node's:
 * a bare `node:http` server answering `POST /connect` with `{"result":{"user":"<n>"}}` (a new user
 * per call, the rest of the answer fixed text) and `POST /rpc` with the call's data echoed
 * (`{"result":{"data":<data>}}`). Reports over IPC like the servers; its `conns` are the TCP
 * connections the node opened to it so far, which keep-alive keeps to the calls in flight at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce } from './server-ipc.js';

const HEADERS = { 'content-type': 'application/json' };
let users = 0;
let sockets = 0;

function answer(res: http.ServerResponse, body: string): void {
  res.writeHead(200, { ...HEADERS, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/connect') answer(res, `{"result":{"user":"${users++}"}}`);
    else if (req.url === '/rpc') {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown };
      answer(res, `{"result":{"data":${JSON.stringify(call.data ?? null)}}}`);
    } else res.writeHead(404).end();
  });
});
server.on('connection', () => sockets++);
// Idle kept-alive sockets stay open between the scenario's phases.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port, () => sockets));
