/** Ports for servers a test starts: every server listens on a free port of 127.0.0.1. */
import { createServer } from 'node:net';

/**
 * A port nobody listens on right now, found by listening on port 0 and closing. Another process may
 * take it before the caller binds it: starters that can retry (Redis) pick a new one on failure.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
