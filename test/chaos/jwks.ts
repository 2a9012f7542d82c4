/**
 * A JWKS endpoint for the chaos soak: one RSA key, served over HTTP on a fixed port, that can be
 * taken down in the three ways a real key server fails — the port refuses connections, it answers
 * 503, or it accepts and never answers — and brought back.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** How the endpoint misbehaves while it is out. */
export type JwksOutage = 'refuse' | '503' | 'hang';
export const JWKS_OUTAGES: readonly JwksOutage[] = ['refuse', '503', 'hang'];

const KID = 'chaos-rsa-1';

export class ChaosJwks {
  /** Requests answered with the key set. */
  served = 0;
  private mode: 'up' | JwksOutage = 'up';
  private server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly body: string,
    private readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'],
    server: Server,
  ) {
    this.server = server;
  }

  static async start(): Promise<ChaosJwks> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const jwks = new ChaosJwks(port, JSON.stringify({ keys: [jwk] }), privateKey, server);
    jwks.serve(server);
    return jwks;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/jwks`;
  }

  /** An RS256 connection token for `user`, verifiable only through this endpoint. */
  sign(user: string, ttlSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: user, iat: now, exp: now + ttlSeconds })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .sign(this.privateKey);
  }

  /** Takes the endpoint down in the given way until `restore()`. */
  async fail(outage: JwksOutage): Promise<void> {
    this.mode = outage;
    if (outage === 'refuse') await this.closeServer();
  }

  /** Serves the key set again (on the same port). */
  async restore(): Promise<void> {
    const wasRefusing = this.mode === 'refuse';
    this.mode = 'up';
    // Hanging requests are cut so the nodes' fetches end and retry.
    for (const socket of this.sockets) socket.destroy();
    if (wasRefusing) {
      const server = createServer();
      server.listen(this.port, '127.0.0.1');
      await once(server, 'listening');
      this.server = server;
      this.serve(server);
    }
  }

  async stop(): Promise<void> {
    this.mode = 'up';
    await this.closeServer();
  }

  private serve(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.answer(req, res));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    if (this.mode === 'hang') return;
    if (this.mode === '503') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    this.served++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(this.body);
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
