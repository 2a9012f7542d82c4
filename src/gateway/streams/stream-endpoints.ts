/**
 * Bidirectional emulation, as Centrifugo serves it to the `centrifuge` JS SDK's `http_stream` and
 * `sse` transports: the connect request opens a streaming response that carries the session's
 * replies and pushes, and the client's later commands come as `POST /emulation` requests naming
 * the session and its node. An emulation request that reaches another node (round-robin behind a
 * load balancer) is forwarded to the session's node through the cluster's control channel, so no
 * sticky sessions are needed. The session itself is a `Connection`, as on WebSocket.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { emulationOp } from '../../cluster/emulation-op.js';
import { DisconnectCode, disconnectReason } from '../../protocol/codes.js';
import { decodeEmulationRequest } from '../../protocol/emulation-request.js';
import type { Encoding } from '../../protocol/encoding.js';
import { jsonEncoding } from '../../protocol/json/index.js';
import { protobufEncoding } from '../../protocol/protobuf/index.js';
import { Connection } from '../connection.js';
import type { GatewayNode } from '../node.js';
import { logOpened } from '../opened-log.js';
import { readBody } from './read-body.js';
import { type StreamKind, StreamTransport } from './stream-transport.js';

export const HTTP_STREAM_PATH = '/connection/http_stream';
export const SSE_PATH = '/connection/sse';
export const EMULATION_PATH = '/emulation';

/** The query parameter an SSE `GET` carries its connect request in (Centrifugo's `cf_connect`). */
const CONNECT_PARAM = 'cf_connect';

/** Headers of a streaming response: never cached, never buffered by a proxy (nginx reads `X-Accel-Buffering`). */
const STREAM_HEADERS = {
  'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Accel-Buffering': 'no',
};

function isProtobufBody(req: IncomingMessage): boolean {
  return req.headers['content-type'] === 'application/octet-stream';
}

function answer(res: ServerResponse, status: number, message?: string): void {
  if (message === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message);
}

export class StreamEndpoints {
  constructor(private readonly node: GatewayNode) {}

  /** `POST /connection/http_stream`: the body is the connect command, JSON or Protobuf by its content type. */
  async httpStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      answer(res, 405, 'method not allowed: POST the connect command');
      return;
    }
    const body = await readBody(req, this.node.config.http_stream.max_request_body_size);
    if (typeof body === 'string') {
      answer(res, body === 'too-large' ? 413 : 400, `bad request: body ${body}`);
      return;
    }
    const encoding = isProtobufBody(req) ? protobufEncoding : jsonEncoding;
    const type = encoding.binary ? 'application/octet-stream' : 'application/json';
    this.open(req, res, 'http_stream', encoding, body, { 'Content-Type': type });
  }

  /** `GET /connection/sse?cf_connect=<connect command>` or `POST` with it as the body; JSON only. */
  async sse(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const limit = this.node.config.sse.max_request_body_size;
    let body: Buffer;
    if (req.method === 'GET') {
      const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get(CONNECT_PARAM);
      if (query === null || query === '') {
        answer(res, 400, `bad request: the connect command goes in the "${CONNECT_PARAM}" parameter`);
        return;
      }
      body = Buffer.from(query);
      if (body.length > limit) {
        answer(res, 413, 'bad request: connect command too large');
        return;
      }
    } else if (req.method === 'POST') {
      const read = await readBody(req, limit);
      if (typeof read === 'string') {
        answer(res, read === 'too-large' ? 413 : 400, `bad request: body ${read}`);
        return;
      }
      body = read;
    } else {
      answer(res, 405, 'method not allowed: GET or POST');
      return;
    }
    const headers = { 'Content-Type': 'text/event-stream; charset=utf-8' };
    this.open(req, res, 'sse', jsonEncoding, body, headers);
  }

  /**
   * `POST /emulation`: commands for a session. 204 once handed to the session's node (a session
   * that is gone there ends its own stream), 404 for a node the cluster does not know (the SDK
   * reconnects), 400 for a malformed request, 413 past `emulation.max_request_body_size`.
   */
  async emulation(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      answer(res, 405, 'method not allowed: POST an emulation request');
      return;
    }
    const body = await readBody(req, this.node.config.emulation.max_request_body_size);
    if (typeof body === 'string') {
      answer(res, body === 'too-large' ? 413 : 400, `bad request: body ${body}`);
      return;
    }
    const request = decodeEmulationRequest(body, isProtobufBody(req));
    if (typeof request === 'string') {
      answer(res, 400, `bad request: ${request}`);
      return;
    }
    if (request.node === this.node.uid) {
      this.node.emulation.deliver(request.session, request.data);
      answer(res, 204);
      return;
    }
    if (!this.node.cluster.registry.has(request.node)) {
      answer(res, 404, 'not found: no such node in the cluster');
      return;
    }
    try {
      await this.node.cluster.send(emulationOp(request));
      answer(res, 204);
    } catch (error) {
      this.node.log.warn({ err: error }, 'emulation request not forwarded');
      answer(res, 503, 'unavailable: the request could not be forwarded, retry');
    }
  }

  /**
   * Opens a session on a streaming response and hands it its connect request. `emulated`: its
   * later commands come through `/emulation`, so it is found by session id.
   */
  open(
    req: IncomingMessage,
    res: ServerResponse,
    kind: StreamKind,
    encoding: Encoding,
    connect: Buffer,
    headers: Record<string, string>,
    emulated = true,
  ): void {
    const limit = this.node.config.client.connection_limit;
    if (limit > 0 && this.node.connections.size >= limit) {
      answer(res, 503, disconnectReason(DisconnectCode.ConnectionLimit));
      return;
    }
    // The stream is silent between pings; the server's idle-socket timeout is for request heads.
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    // No length and no chunked encoding: the body ends with the connection, and the transport
    // writes the frames straight to the socket once the head is out.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.writeHead(200, { ...STREAM_HEADERS, ...headers, Connection: 'close' });
    res.flushHeaders();
    const socket = req.socket;
    // An SSE stream starts with a blank line, so the browser opens the EventSource at once.
    if (kind === 'sse') socket.write('\r\n');
    const transport = new StreamTransport(socket, kind, encoding, randomUUID());
    if (emulated) {
      this.node.emulation.add(transport);
      socket.once('close', () => this.node.emulation.remove(transport));
    }
    const connection = new Connection(this.node, transport, encoding, req.headers);
    logOpened(this.node, connection.id, kind, req);
    transport.deliver(connect);
  }
}
