/** Baseline for idle memory: a bare `ws` server that only keeps connections open. */
import { WebSocketServer } from 'ws';
import { announce } from './server-ipc.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', () => {});
});
wss.on('listening', () => {
  const address = wss.address();
  announce(typeof address === 'object' && address !== null ? address.port : 0, () => wss.clients.size);
});
process.on('SIGTERM', () => process.exit(0));
