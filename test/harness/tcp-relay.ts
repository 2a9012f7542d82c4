/**
 * A TCP relay in front of a server (Redis here), so a test can cut a client's connections and
 * choose which of its new ones may pass: each new connection is classified by its first bytes
 * (an ioredis client names itself with `CLIENT SETNAME` before anything else) and ended at once
 * while its class is refused. Bytes pass unchanged both ways.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** How many first bytes are looked at to classify a connection. */
const CLASSIFY_BYTES = 4096;

export interface TcpRelay {
  readonly port: number;
  /** Ends every relayed connection now (the clients see their connection drop). */
  cut(): void;
  /** New connections whose first bytes contain `marker` are ended until `admit(marker)`. */
  refuse(marker: string): void;
  admit(marker: string): void;
  /** How many connections were ended because their class was refused. */
  readonly refused: number;
  close(): Promise<void>;
}

/** Whether `text` holds a whole first RESP command (an array of bulk strings, or an inline line). */
function firstCommandComplete(text: string): boolean {
  const lines = text.split('\r\n');
  if (!text.startsWith('*')) return lines.length > 1;
  const count = Number.parseInt(lines[0]!.slice(1), 10);
  // `*n`, then `$len` and the bytes for each of the n, then what follows the last CRLF.
  return Number.isFinite(count) && lines.length > 1 + 2 * count;
}

export async function startTcpRelay(targetPort: number, host = '127.0.0.1'): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const refusedMarkers = new Set<string>();
  let refused = 0;

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    let upstream: Socket | undefined;
    const onData = (chunk: Buffer): void => {
      if (upstream !== undefined) return;
      head = Buffer.concat([head, chunk]);
      const text = head.toString('latin1');
      const blocked = [...refusedMarkers].some((marker) => text.includes(marker));
      if (blocked) {
        refused++;
        client.destroy();
        return;
      }
      // Judged by the whole first command (an ioredis client's names it).
      if (!firstCommandComplete(text) && head.length < CLASSIFY_BYTES) return;
      client.off('data', onData);
      client.pause();
      upstream = tcpConnect(targetPort, host);
      sockets.add(upstream);
      upstream.once('close', () => {
        sockets.delete(upstream!);
        client.destroy();
      });
      client.once('close', () => upstream?.destroy());
      upstream.on('error', () => upstream?.destroy());
      upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    refuse(marker) {
      refusedMarkers.add(marker);
    },
    admit(marker) {
      refusedMarkers.delete(marker);
    },
    get refused() {
      return refused;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
