/**
 * The node's HTTP server: the WebSocket endpoint `/connection/websocket`, the server API under
 * `/api/`, `/health` and `/ready`. Stops gracefully: report not ready and refuse new connections,
 * tell clients to reconnect elsewhere in waves (drain.ts), wait for sockets to close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AdminHttp } from '../admin/admin-http.js';
import { HttpApi } from '../api/http-api.js';
import type { TlsCredentials } from '../config/tls.js';
import { handleDemoRequest, isDemoPath } from '../demo/routes.js';
import { METRICS_PATH, serveMetrics } from '../metrics/http.js';
import { DisconnectCode, disconnectReason } from '../protocol/codes.js';
import { Connection } from './connection.js';
import { Drain } from './drain.js';
import { clientErrorResponse, cutSilentSockets, slowClientOptions } from './http-timeouts.js';
import type { GatewayNode } from './node.js';
import { originAllowed } from './origin.js';
import { answerReady, READY_PATH } from './readiness.js';
import { answerHandshake, selectSubprotocol, wantsProtobuf } from './ws/handshake.js';
import { LeanTransport, type LeanTransportOptions } from './ws/lean-transport.js';
import { IGNORE_EVENTS, type Transport } from './ws/transport.js';
import { WsTransport } from './ws/ws-transport.js';

export const WEBSOCKET_PATH = '/connection/websocket';
/** How long a closing WebSocket waits for the client's close frame before it is cut, ms (as `ws`). */
const CLOSE_TIMEOUT_MS = 30_000;
/** The close reason given to protobuf clients (within the 123 bytes of a close frame). */
const PROTOBUF_REFUSED = 'inappropriate protocol: this server speaks only the JSON protocol';

export class GatewayServer {
  readonly http: Server;
  /** The `ws` server, when `websocket.transport` is `ws`. */
  private readonly wss: WebSocketServer | undefined;
  /** Settings for lean transports, when `websocket.transport` is `lean`. */
  private readonly lean: LeanTransportOptions | undefined;
  private readonly api: HttpApi;
  /** The admin web UI, when `admin.enabled`. */
  private readonly admin: AdminHttp | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private drain: Drain | undefined;
  /** Open sockets, so a stop that runs out of time can cut the ones that never closed. */
  private readonly transports = new Set<Transport>();

  /** @param tls certificate and key: the port serves HTTPS and WSS instead of HTTP and WS. */
  constructor(
    readonly node: GatewayNode,
    tls?: TlsCredentials,
  ) {
    this.api = new HttpApi(node);
    this.admin = node.config.admin.enabled ? new AdminHttp(node) : undefined;
    const websocket = node.config.websocket;
    if (websocket.transport === 'ws') {
      this.wss = new WebSocketServer({
        noServer: true,
        clientTracking: false,
        perMessageDeflate: false,
        maxPayload: websocket.message_size_limit,
        // Without it `ws` echoes the first offered subprotocol, whatever it is.
        handleProtocols: (offered) => selectSubprotocol(offered) ?? false,
      });
    } else {
      this.lean = {
        maxPayload: websocket.message_size_limit,
        closeTimeout: CLOSE_TIMEOUT_MS,
        queueMaxSize: node.config.client.queue_max_size,
        wheel: node.wheel,
        open: this.transports,
      };
    }
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => this.onRequest(req, res);
    // Slow or idle HTTP clients (slowloris on the upgrade) are cut off.
    const headerTimeout = node.config.http_server.header_timeout;
    const options = slowClientOptions(headerTimeout);
    this.http =
      tls === undefined
        ? createServer(options, onRequest)
        : createHttpsServer({ ...options, ...tls }, onRequest);
    cutSilentSockets(this.http, headerTimeout);
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (error, socket) => {
      if (socket.writable) socket.end(clientErrorResponse(error));
      else socket.destroy();
    });
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(
    port = this.node.config.http_server.port,
    host = this.node.config.http_server.address,
  ): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/health') {
      json(res, 200, '{"status":"ok"}');
    } else if (path === READY_PATH) {
      answerReady(res, this.node, this.stopping);
    } else if (path === '/api' || path.startsWith('/api/')) {
      void this.api.handle(req, res, path);
    } else if (this.admin !== undefined && (path === '/admin' || path.startsWith('/admin/'))) {
      void this.admin.handle(req, res, path);
    } else if (isDemoPath(path)) {
      void handleDemoRequest(this.node, req, res);
    } else if (path === METRICS_PATH && this.node.metrics !== undefined) {
      serveMetrics(this.node.metrics, req, res);
    } else if (path === WEBSOCKET_PATH) {
      json(res, 426, '{"error":"upgrade required: connect with WebSocket"}');
    } else {
      json(res, 404, '{"error":"not found"}');
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    const reject = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== WEBSOCKET_PATH) {
      reject('404 Not Found');
      return;
    }
    if (this.stopping) {
      reject('503 Service Unavailable');
      return;
    }
    if (!originAllowed(this.node.config.client.allowed_origins, req.headers.origin)) {
      reject('403 Forbidden');
      return;
    }
    if (this.wss !== undefined) {
      const maxPayload = this.node.config.websocket.message_size_limit;
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        this.open(
          new WsTransport(ws, this.transports, maxPayload),
          wantsProtobuf(req.url, ws.protocol || undefined),
        ),
      );
      return;
    }
    const answer = answerHandshake(req);
    if (!answer.ok) {
      socket.end(
        `HTTP/1.1 ${answer.status}\r\nConnection: close\r\n${answer.headers ?? ''}Content-Length: 0\r\n\r\n`,
      );
      return;
    }
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.write(answer.response);
    this.open(new LeanTransport(socket as Socket, this.lean!, head), wantsProtobuf(req.url, answer.protocol));
  }

  /** @param protobuf the client asked for the protobuf protocol, which this server does not speak. */
  private open(transport: Transport, protobuf: boolean): void {
    if (protobuf) {
      // A terminal code with a reason: the SDK reports it and stops, where a refused handshake
      // would leave it reconnecting forever, and a JSON reply would be undecodable to it.
      transport.attach(IGNORE_EVENTS);
      transport.close(DisconnectCode.InappropriateProtocol, PROTOBUF_REFUSED);
      return;
    }
    const limit = this.node.config.client.connection_limit;
    if (limit > 0 && this.node.numConnections >= limit) {
      transport.attach(IGNORE_EVENTS);
      transport.close(DisconnectCode.ConnectionLimit, disconnectReason(DisconnectCode.ConnectionLimit));
      return;
    }
    new Connection(this.node, transport);
  }

  /**
   * Graceful stop: `/ready` answers 503 and new WebSocket connections are refused (503) at once;
   * clients are told to reconnect (3001) in waves over `shutdown.drain_duration`; then the port
   * closes. Whatever is still open `timeoutMs` after the stop began is cut.
   */
  stop(timeoutMs = this.node.config.shutdown.timeout): Promise<void> {
    this.stopped ??= this.drainAndClose(timeoutMs);
    return this.stopped;
  }

  /** Skips the remaining drain waves: every client is told to reconnect now. */
  hurry(): void {
    this.drain?.now();
  }

  private async drainAndClose(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const shutdown = this.node.config.shutdown;
    const drain = new Drain(this.node, {
      durationMs: Math.min(shutdown.drain_duration, timeoutMs),
      waves: shutdown.drain_waves,
    });
    this.drain = drain;
    const timer = setTimeout(() => {
      drain.now();
      for (const transport of this.transports) transport.terminate();
      this.http.closeAllConnections();
    }, timeoutMs);
    timer.unref();
    await drain.start();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const left = this.node.stop(DisconnectCode.Shutdown);
    this.http.closeIdleConnections();
    await Promise.all([closed, left]);
    clearTimeout(timer);
  }
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
