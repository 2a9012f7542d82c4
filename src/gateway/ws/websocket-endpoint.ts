/**
 * The WebSocket endpoint `/connection/websocket`: completes an upgrade the HTTP server accepted
 * (the handshake, a lean or a `ws` transport as `websocket.transport` says) and opens a Connection
 * on it in the encoding the client asked for (Protobuf by the `centrifuge-protobuf` subprotocol or
 * the `format`/`cf_protocol` query parameter, JSON otherwise), or closes it at once with a terminal
 * code when the connection limit is reached.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { DisconnectCode, disconnectReason } from '../../protocol/codes.js';
import type { Encoding } from '../../protocol/encoding.js';
import { jsonEncoding } from '../../protocol/json/index.js';
import { uniJsonEncoding } from '../../protocol/json/uni.js';
import { protobufEncoding } from '../../protocol/protobuf/index.js';
import { Connection } from '../connection.js';
import type { GatewayNode } from '../node.js';
import { logOpened } from '../opened-log.js';
import { IGNORE_EVENTS, type Transport } from '../transport.js';
import { answerHandshake, selectSubprotocol, wantsProtobuf } from './handshake.js';
import { LeanTransport, type LeanTransportOptions } from './lean-transport.js';
import { UniWebSocketTransport } from './uni-websocket-transport.js';
import { WsTransport } from './ws-transport.js';

/** The path clients open their WebSocket on. */
export const WEBSOCKET_PATH = '/connection/websocket';
/** The unidirectional WebSocket, for clients without an SDK (`uni_websocket.enabled`). */
export const UNI_WEBSOCKET_PATH = '/connection/uni_websocket';
/** How long a closing WebSocket waits for the client's close frame before it is cut, ms (as `ws`). */
const CLOSE_TIMEOUT_MS = 30_000;

/** Answers an upgrade request with an HTTP error status (`404 Not Found`) and ends the socket. */
export function refuseUpgrade(socket: Duplex, status: string, headers = ''): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
}

/** Turns accepted upgrade requests into WebSocket transports and Connections of a node. */
export class WebSocketEndpoint {
  /** The `ws` server, when `websocket.transport` is `ws`. */
  private readonly wss: WebSocketServer | undefined;
  /** Settings for lean transports, when `websocket.transport` is `lean`. */
  private readonly lean: LeanTransportOptions | undefined;
  /** Open sockets, so a stop that runs out of time can cut the ones that never closed. */
  private readonly transports = new Set<Transport>();

  constructor(private readonly node: GatewayNode) {
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
  }

  /**
   * Completes an upgrade request for {@link WEBSOCKET_PATH} that the HTTP server let through (path,
   * draining and origin already checked): a bad handshake is refused with its HTTP status.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.accept(req, socket, head, (transport, protocol) =>
      this.open(transport, encodingFor(req.url, protocol), req),
    );
  }

  /**
   * Completes an upgrade request for {@link UNI_WEBSOCKET_PATH} (path, draining and origin checked):
   * a `cf_connect` parameter that is not a JSON object is refused with 400 before the upgrade.
   */
  upgradeUni(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const param = new URL(req.url ?? '/', 'http://localhost').searchParams.get('cf_connect');
    const request = param === null || param === '' ? undefined : Buffer.from(param);
    if (request !== undefined && !uniJsonEncoding.decode(request, false).ok) {
      refuseUpgrade(socket, '400 Bad Request');
      return;
    }
    this.accept(req, socket, head, (transport) =>
      this.open(new UniWebSocketTransport(transport, request), uniJsonEncoding, req),
    );
  }

  /** The handshake, then `opened` with the transport and the subprotocol agreed on. */
  private accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    opened: (transport: Transport, protocol: string | undefined) => void,
  ): void {
    if (this.wss !== undefined) {
      const maxPayload = this.node.config.websocket.message_size_limit;
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        opened(new WsTransport(ws, this.transports, maxPayload), ws.protocol || undefined),
      );
      return;
    }
    const answer = answerHandshake(req);
    if (!answer.ok) {
      refuseUpgrade(socket, answer.status, answer.headers ?? '');
      return;
    }
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.write(answer.response);
    opened(new LeanTransport(socket as Socket, this.lean!, head), answer.protocol);
  }

  /** Destroys every socket still open (a stop that ran out of time). */
  terminateAll(): void {
    for (const transport of this.transports) transport.terminate();
  }

  private open(transport: Transport, encoding: Encoding, req: IncomingMessage): void {
    const limit = this.node.config.client.connection_limit;
    if (limit > 0 && this.node.connections.size >= limit) {
      transport.attach(IGNORE_EVENTS);
      transport.close(DisconnectCode.ConnectionLimit, disconnectReason(DisconnectCode.ConnectionLimit));
      return;
    }
    const connection = new Connection(this.node, transport, encoding, req.headers);
    logOpened(this.node, connection.id, transport.name ?? 'websocket', req);
  }
}

/** The session's encoding, from the upgrade request's URL and the subprotocol agreed on. */
function encodingFor(url: string | undefined, protocol: string | undefined): Encoding {
  return wantsProtobuf(url, protocol) ? protobufEncoding : jsonEncoding;
}
