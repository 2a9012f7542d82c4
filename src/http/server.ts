/**
 * The node's HTTP server: routes (routes.ts) and the WebSocket endpoint `/connection/websocket`
 * (mounted from the gateway's WebSocket transport, after the path, drain and origin checks here).
 * Stops gracefully: report not ready and refuse new connections, tell clients to reconnect
 * elsewhere in waves (the gateway's drain), wait for sockets to close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsCredentials } from '../config/tls.js';
import { type Drain, drainBefore } from '../gateway/drain.js';
import type { GatewayNode } from '../gateway/node.js';
import { refuseUpgrade, WebSocketEndpoint } from '../gateway/ws/websocket-endpoint.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { DisconnectCode } from '../protocol/codes.js';
import type { Tracing } from '../tracing/tracing.js';
import { type TrustedProxies, trustedProxiesOf } from './client-address.js';
import { HttpRoutes, requestPath } from './routes.js';
import { clientErrorResponse, cutSilentSockets, slowClientOptions } from './timeouts.js';
import { acceptUpgrade, upgradeEndpoint } from './upgrade.js';

/** A node's HTTP (or HTTPS) server: the server API, admin, demo, probes, metrics and WebSocket. */
export class HttpServer {
  readonly http: Server;
  private readonly routes: HttpRoutes;
  private readonly websocket: WebSocketEndpoint;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private drain: Drain | undefined;
  private readonly trusted: TrustedProxies;

  /**
   * @param tls certificate and key: the port serves HTTPS and WSS instead of HTTP and WS.
   * @param metrics the node's metrics (the ones it reports to), served at `/metrics`; none: 404.
   * @param tracing the node's tracing (server API spans), when `opentelemetry.enabled`.
   * @throws {ConfigError} for an `http_server.trusted_proxies` entry that is not an address or range.
   */
  constructor(
    readonly node: GatewayNode,
    tls?: TlsCredentials,
    metrics?: NodeMetrics,
    tracing?: Tracing,
  ) {
    this.trusted = trustedProxiesOf(node.config);
    const trusted = this.trusted;
    node.clientAddress = (req) => trusted.clientAddress(req);
    this.routes = new HttpRoutes(node, () => this.stopping, metrics, tracing);
    this.websocket = new WebSocketEndpoint(node);
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => this.routes.handle(req, res);
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

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const endpoint = upgradeEndpoint(requestPath(req), this.node);
    if (endpoint === undefined) refuseUpgrade(socket, '404 Not Found');
    else {
      const { node, websocket, trusted, stopping } = this;
      acceptUpgrade({ node, websocket, trusted, stopping }, endpoint, req, socket, head);
    }
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
    const stop = drainBefore(this.node, this.node.config.shutdown, timeoutMs, () => {
      this.websocket.terminateAll();
      this.http.closeAllConnections();
    });
    this.drain = stop.drain;
    await stop.drain.start();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const left = this.node.stop(DisconnectCode.Shutdown);
    this.http.closeIdleConnections();
    await Promise.all([closed, left]);
    stop.clear();
  }
}
