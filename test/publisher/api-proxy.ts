/**
 * A small HTTP proxy in front of a node's server API that counts requests and injects real network
 * faults: a request forwarded to the node whose answer is then never delivered (the connection is
 * held open, or closed), or a 503 answered without reaching the node, as a load balancer does when
 * it has no upstream.
 */
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

export type Fault = 'hold' | 'close' | '503';

export interface ProxiedRequest {
  path: string;
  body: Record<string, unknown>;
}

export class ApiProxy {
  /** Every request the proxy received, in arrival order. */
  readonly requests: ProxiedRequest[] = [];
  /** Faults for the next requests, first one first. */
  readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    private readonly server: Server,
    private readonly target: string,
  ) {}

  static async start(targetBaseUrl: string): Promise<ApiProxy> {
    const server = createServer();
    const proxy = new ApiProxy(server, targetBaseUrl);
    server.on('request', (req, res) => void proxy.onRequest(req, res));
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Requests to `/api/<method>` received so far. */
  count(method: string): number {
    return this.requests.filter((r) => r.path === `/api/${method}`).length;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    this.requests.push({ path: req.url ?? '', body: body.length === 0 ? {} : JSON.parse(body.toString()) });
    const fault = this.faults.shift();
    if (fault === '503') {
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503 Service Unavailable</h1>');
      return;
    }
    let answer: { status: number; body: Buffer };
    try {
      answer = await this.forward(req, body);
    } catch {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
      return;
    }
    if (fault === 'hold') return; // The node processed the request; its answer never arrives.
    if (fault === 'close') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        `${this.target}${req.url ?? ''}`,
        {
          method: req.method,
          agent: this.agent,
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/json',
            'x-api-key': req.headers['x-api-key'] ?? '',
            'content-length': body.length,
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
          res.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
