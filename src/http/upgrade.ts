/**
 * The node's WebSocket upgrades, wherever the node serves (its own server or an application's):
 * which of its paths a request is for, and the checks before the gateway's endpoint takes the
 * socket — refused with 503 while the node stops, 403 for an origin not allowed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayNode } from '../gateway/node.js';
import {
  refuseUpgrade,
  UNI_WEBSOCKET_PATH,
  WEBSOCKET_PATH,
  type WebSocketEndpoint,
} from '../gateway/ws/websocket-endpoint.js';
import type { TrustedProxies } from './client-address.js';
import { originAllowed } from './origin.js';

/** The node's endpoint a path names: the WebSocket, the unidirectional one (when enabled), or none. */
export function upgradeEndpoint(path: string, node: GatewayNode): 'websocket' | 'uni' | undefined {
  if (path === WEBSOCKET_PATH) return 'websocket';
  if (path === UNI_WEBSOCKET_PATH && node.config.uni_websocket.enabled) return 'uni';
  return undefined;
}

/** What the checks need: the node, its endpoint, the trusted proxies and whether it stops. */
export interface UpgradeTarget {
  readonly node: GatewayNode;
  readonly websocket: WebSocketEndpoint;
  readonly trusted: TrustedProxies;
  readonly stopping: boolean;
}

/** Hands an upgrade on one of the node's paths to its endpoint, or refuses it (503, 403). */
export function acceptUpgrade(
  target: UpgradeTarget,
  endpoint: 'websocket' | 'uni',
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  if (target.stopping) {
    refuseUpgrade(socket, '503 Service Unavailable');
  } else if (!originAllowed(target.node.config.client.allowed_origins, req.headers.origin)) {
    target.node.log.debug(
      { address: target.trusted.clientAddress(req), origin: req.headers.origin },
      'websocket upgrade refused: origin not in client.allowed_origins',
    );
    refuseUpgrade(socket, '403 Forbidden');
  } else if (endpoint === 'uni') {
    target.websocket.upgradeUni(req, socket, head);
  } else {
    target.websocket.upgrade(req, socket, head);
  }
}
