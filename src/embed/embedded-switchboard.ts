/**
 * A node embedded in an application's HTTP server: the application owns the server (node:http,
 * Express, Fastify, NestJS) and the node answers its own paths on it under a mount prefix: WebSocket
 * upgrades (`attach`), and the server API, streaming transports, probes, metrics and admin UI
 * (`handle`, a `(req, res, next)` handler). Paths it does not serve go on to the application.
 * `close()` drains the node's connections and stops it; the application's server keeps serving.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { callMethod } from '../api/dispatch.js';
import { type StartedNode, type StartOptions, startNode } from '../app.js';
import type { Config } from '../config/types.js';
import type { Engine } from '../engine/types.js';
import { type Drain, drainBefore } from '../gateway/drain.js';
import type { GatewayNode } from '../gateway/node.js';
import { WebSocketEndpoint } from '../gateway/ws/websocket-endpoint.js';
import { type TrustedProxies, trustedProxiesOf } from '../http/client-address.js';
import { writeJson } from '../http/json-response.js';
import { HttpRoutes, requestPath } from '../http/routes.js';
import { acceptUpgrade, upgradeEndpoint } from '../http/upgrade.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { DisconnectCode, type ErrorCode } from '../protocol/codes.js';
import { CommandError } from '../protocol/errors.js';
import { parseMountPrefix, stripMountPrefix } from './mount-prefix.js';
import { OpenStreams } from './open-streams.js';
import { EmbedOptionError } from './option-error.js';
import { type AttachOptions, attachToServer } from './server-attachment.js';

/** How {@link embedSwitchboard} builds the node, beyond its config. */
export interface EmbedOptions extends StartOptions {
  /**
   * The path the node's routes live under (`/realtime`: `/realtime/connection/websocket`,
   * `/realtime/api/publish`). Default: empty, the paths of a standalone node.
   */
  prefix?: string;
}

/** Express's `next`: called for requests the node leaves to the application. */
export type NextFunction = (error?: unknown) => void;

/** A request listener with an optional `next`: node:http's, Express's and Connect's shape. */
export type EmbeddedRequestHandler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => void;

/**
 * Starts a node that serves on servers it does not own: engine connected, gateway, user events and
 * consumers started. Attach it with {@link EmbeddedSwitchboard.attach} and route requests to
 * {@link EmbeddedSwitchboard.handle}.
 * @throws {EmbedOptionError} for a bad `prefix`, or `http_server.tls` enabled (TLS belongs to the
 *   application's server then).
 */
export async function embedSwitchboard(
  config: Config,
  options: EmbedOptions = {},
): Promise<EmbeddedSwitchboard> {
  const prefix = parseMountPrefix(options.prefix);
  if (config.http_server.tls.enabled) {
    throw new EmbedOptionError(
      'http_server.tls',
      "an embedded node serves on the application's server: turn TLS on there (https.createServer) and off in the node's config",
    );
  }
  return new EmbeddedSwitchboard(await startNode(config, options), prefix);
}

const BODY_ALREADY_READ =
  '{"error":"the request body was read before the node got it: mount the node\'s handler before body parsers"}';

/** Whether the node's route at `path` reads the request body (the server API, transports, admin). */
function readsBody(path: string, config: Config): boolean {
  return (
    path === '/api' ||
    path.startsWith('/api/') ||
    path.startsWith('/connection/') ||
    path === '/emulation' ||
    (config.admin.enabled && path.startsWith('/admin/'))
  );
}

export class EmbeddedSwitchboard {
  readonly node: GatewayNode;
  readonly engine: Engine;
  /** The node's Prometheus metrics (at `<prefix>/metrics`); undefined when `prometheus.enabled` is false. */
  readonly metrics: NodeMetrics | undefined;
  private readonly routes: HttpRoutes;
  private readonly websocket: WebSocketEndpoint;
  private readonly open = new OpenStreams();
  private readonly trusted: TrustedProxies;
  private readonly attached = new Map<Server, () => void>();
  private stopping = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private drain: Drain | undefined;

  /** Use {@link embedSwitchboard}, which starts the node first. */
  constructor(
    private readonly started: StartedNode,
    /** The mount prefix, checked (empty: at the root). */
    readonly prefix: string,
  ) {
    this.node = started.node;
    this.engine = started.engine;
    this.metrics = started.metrics;
    this.routes = new HttpRoutes(this.node, () => this.stopping, this.metrics, started.tracing);
    this.websocket = new WebSocketEndpoint(this.node);
    this.trusted = trustedProxiesOf(this.node.config);
    const trusted = this.trusted;
    this.node.clientAddress = (req) => trusted.clientAddress(req);
  }

  /**
   * Answers a request on one of the node's paths under the prefix; passes any other to `next`, or
   * answers 404 `{"error":"not found"}` without one. Mount it before body parsers: the node reads
   * its own request bodies. Bound: pass it as is (`app.use(switchboard.handle)`).
   */
  readonly handle: EmbeddedRequestHandler = (req, res, next) => {
    const pass = (): void => {
      if (next !== undefined) next();
      else writeJson(res, 404, '{"error":"not found"}');
    };
    const original = req.url ?? '/';
    // Express strips the path of `app.use('/x', handler)` from `url`; `originalUrl` keeps it.
    const { originalUrl } = req as { originalUrl?: unknown };
    const inner = this.closed
      ? undefined
      : stripMountPrefix(typeof originalUrl === 'string' ? originalUrl : original, this.prefix);
    if (inner === undefined) {
      pass();
      return;
    }
    req.url = inner;
    if (requestPath(req) === '/admin' && this.node.config.admin.enabled) {
      // The admin UI's own redirect names `/admin/`, which is not under the prefix.
      res.writeHead(301, { location: `${this.prefix}/admin/`, 'content-length': 0 }).end();
      return;
    }
    if (req.readableEnded && readsBody(requestPath(req), this.node.config)) {
      // A body parser ahead of the node read the body: the node would wait for it for good.
      this.node.log.error({ path: req.url }, 'request body read before the node got it');
      writeJson(res, 500, BODY_ALREADY_READ);
      return;
    }
    this.open.add(res);
    this.routes.handle(req, res, () => {
      this.open.delete(res);
      req.url = original;
      pass();
    });
  };

  /**
   * Completes a WebSocket upgrade on the node's path (`<prefix>/connection/websocket`, and
   * `<prefix>/connection/uni_websocket` when `uni_websocket.enabled`): true when the socket is the
   * node's now (accepted or refused with 403/503); false for any other path, left untouched.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (this.closed) return false;
    const inner = stripMountPrefix(req.url ?? '/', this.prefix);
    if (inner === undefined) return false;
    const endpoint = upgradeEndpoint(inner.split('?', 1)[0] ?? '', this.node);
    if (endpoint === undefined) return false;
    req.url = inner;
    this.open.add(socket);
    const { node, websocket, trusted, stopping } = this;
    acceptUpgrade({ node, websocket, trusted, stopping }, endpoint, req, socket, head);
    return true;
  }

  /**
   * Serves the node's WebSocket upgrades on `server` beside the application's own (other paths are
   * left to its other `upgrade` listeners; with none, they are refused with 404). With
   * `requests: true` the node's HTTP routes are also answered on `server`, ahead of the request
   * listeners it has now (the application's framework), which get every other request.
   * `close()` detaches it; so does {@link detach}.
   */
  attach(server: Server, options: AttachOptions = {}): this {
    if (this.closing !== undefined) {
      throw new EmbedOptionError('server', 'the node is closed or closing: embed a new one to attach');
    }
    if (this.attached.has(server)) throw new EmbedOptionError('server', 'this server is attached already');
    this.attached.set(server, attachToServer(server, this, options));
    return this;
  }

  /** Takes the node off `server`: its upgrades and requests (with `requests: true`) go to the application. */
  detach(server: Server): void {
    this.attached.get(server)?.();
    this.attached.delete(server);
  }

  /**
   * Runs a server API method in this process (`publish`, `broadcast`, `presence`, `history`, … as
   * `POST /api/<method>` takes them, but `batch`) and resolves with its result.
   * @throws {CommandError} with the API error's code (100 temporary, 102 unknown channel, …).
   */
  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const outcome = await callMethod(this.node, method, params);
    if ('error' in outcome) {
      const { code, message, temporary } = outcome.error;
      throw new CommandError(code as ErrorCode, message, temporary === true);
    }
    return JSON.parse(outcome.result) as unknown;
  }

  /** Publishes `data` to `channel` (the server API's `publish`; `extra` adds its other fields). */
  publish(
    channel: string,
    data: unknown,
    extra: Record<string, unknown> = {},
  ): Promise<{ offset?: number; epoch?: string }> {
    return this.call('publish', { ...extra, channel, data }) as Promise<{ offset?: number; epoch?: string }>;
  }

  /**
   * Graceful stop, as a standalone node's: `<prefix>/ready` answers 503 and new connections are
   * refused (503) at once; clients are told to reconnect (3001) in waves over
   * `shutdown.drain_duration`; what is still open `timeoutMs` later is cut. Then the node is
   * detached from every server and its engine closed. The application's servers keep serving.
   */
  close(timeoutMs = this.node.config.shutdown.timeout): Promise<void> {
    this.closing ??= this.drainAndStop(timeoutMs);
    return this.closing;
  }

  /** Skips the remaining drain waves: every client is told to reconnect now. */
  hurry(): void {
    this.drain?.now();
  }

  private async drainAndStop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    // Consumers first: nothing new is taken while the node drains.
    await this.started.stopIntake();
    const stop = drainBefore(this.node, this.node.config.shutdown, timeoutMs, () => {
      this.websocket.terminateAll();
      this.open.destroyAll();
    });
    this.drain = stop.drain;
    await stop.drain.start();
    await this.node.stop(DisconnectCode.Shutdown);
    await this.open.whenEmpty();
    stop.clear();
    this.closed = true;
    for (const detach of this.attached.values()) detach();
    this.attached.clear();
    await this.started.release();
  }
}
