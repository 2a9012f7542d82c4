/**
 * Puts an embedded node on an application's `http.Server` (or `https.Server`): an `upgrade`
 * listener beside the application's own, and optionally the node's HTTP routes in front of the
 * server's request listeners. Returns what undoes it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from '../gateway/ws/websocket-endpoint.js';

export interface AttachOptions {
  /**
   * Also answer the node's HTTP routes on this server, ahead of the request listeners it has when
   * attached (the application's framework), which then get every other request. For frameworks
   * that give no earlier place than their own router (NestJS); default false, the application
   * routes requests to `handle` itself.
   */
  requests?: boolean;
}

/** What an attachment calls: the embedded node's two entry points. */
export interface EmbeddedEntryPoints {
  handle(req: IncomingMessage, res: ServerResponse, next?: () => void): void;
  /** True when the upgrade was the node's to answer. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Attaches `entry` to `server`; the function returned detaches it, listeners restored. */
export function attachToServer(
  server: Server,
  entry: EmbeddedEntryPoints,
  options: AttachOptions,
): () => void {
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (entry.handleUpgrade(req, socket, head)) return;
    // No other listener will answer it, and Node no longer does once one is attached.
    if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, '404 Not Found');
  };
  server.on('upgrade', onUpgrade);
  const restore = options.requests === true ? frontRequests(server, entry) : undefined;
  return () => {
    server.off('upgrade', onUpgrade);
    restore?.();
  };
}

/** Replaces the server's request listeners by one that asks `entry` first; returns the undo. */
function frontRequests(server: Server, entry: EmbeddedEntryPoints): () => void {
  const listeners = server.listeners('request') as RequestListener[];
  for (const listener of listeners) server.off('request', listener);
  const onRequest: RequestListener = (req, res) => {
    entry.handle(req, res, () => {
      for (const listener of listeners) listener.call(server, req, res);
    });
  };
  server.on('request', onRequest);
  return () => {
    server.off('request', onRequest);
    for (const listener of listeners) server.on('request', listener);
  };
}
