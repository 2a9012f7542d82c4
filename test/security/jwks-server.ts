/**
 * A JWKS endpoint over real HTTP for outage tests: it serves an RSA key set and can fail the three
 * ways a key server does — it accepts and never answers (`hang`), its port refuses connections
 * (`refuse`), or it answers 503 — then come back on the same port. It counts the requests it got.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** How the endpoint behaves. */
export type JwksMode = 'up' | 'hang' | 'refuse' | '503';

export const KID = 'outage-rsa-1';

export class TestJwks {
  /** Requests received, answered or not (a refused port receives none). */
  requests = 0;
  #mode: JwksMode = 'up';
  #server: Server;
  readonly #sockets = new Set<Socket>();

  #keys: JWK[];
  #pending: JWK | undefined;
  #signing: { kid: string; key: CryptoKey };

  private constructor(
    readonly port: number,
    first: JWK,
    privateKey: CryptoKey,
    server: Server,
  ) {
    this.#keys = [first];
    this.#signing = { kid: KID, key: privateKey };
    this.#server = server;
    this.#serve(server);
  }

  /** Listens on a free port of 127.0.0.1 with a fresh RS256 key. */
  static async start(): Promise<TestJwks> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new TestJwks(port, jwk, privateKey, server);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/jwks`;
  }

  get mode(): JwksMode {
    return this.#mode;
  }

  /**
   * An RS256 token with these claims (an hour's `exp` unless given), signed with the newest key,
   * verifiable only with this set.
   */
  sign(claims: Record<string, unknown>): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ exp: now + 3600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: this.#signing.kid, typ: 'JWT' })
      .sign(this.#signing.key);
  }

  /**
   * Key rotation: a new key signs from now on. With `publish` it is served beside the old ones at
   * once; without, only after {@link publish}.
   */
  async rotate(kid: string, publish = true): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    this.#signing = { kid, key: privateKey };
    this.#pending = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    if (publish) this.publish();
  }

  /** Serves the key made by the last {@link rotate}. */
  publish(): void {
    if (this.#pending !== undefined) this.#keys = [...this.#keys, this.#pending];
    this.#pending = undefined;
  }

  /** Switches behaviour; `up` after `refuse` listens again on the same port. */
  async set(mode: JwksMode): Promise<void> {
    const previous = this.#mode;
    this.#mode = mode;
    if (mode === 'refuse' && previous !== 'refuse') {
      const closed = once(this.#server, 'close');
      this.#server.close();
      for (const socket of this.#sockets) socket.destroy();
      await closed;
    } else if (mode !== 'refuse' && previous === 'refuse') {
      const server = createServer();
      server.listen(this.port, '127.0.0.1');
      await once(server, 'listening');
      this.#server = server;
      this.#serve(server);
    }
    // Requests left hanging end now, as they would when a stuck server is restarted.
    if (previous === 'hang' && mode !== 'hang') for (const socket of this.#sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    await this.set('refuse');
  }

  #serve(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.requests++;
      if (this.#mode === 'hang') return;
      if (this.#mode === '503') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      } else if (req.url !== '/jwks') {
        res.writeHead(404).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.#keys }));
      }
    });
  }
}
