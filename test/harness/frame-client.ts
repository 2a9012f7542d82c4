/** A WebSocket client over a bare TCP socket that writes frames byte by byte, for transport tests. */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sleep } from './wait.js';

export interface FrameOptions {
  fin?: boolean;
  /** RSV1-3 bits, 0-7. */
  rsv?: number;
  mask?: boolean;
  /** Force a length form: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
  /** The 4-byte masking key; random unless given (a fixed key makes the bytes reproducible). */
  maskKey?: Uint8Array;
}

/** Encodes one client frame (masked unless told otherwise). */
export function frame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { fin = true, rsv = 0, mask = true } = options;
  const bits = options.lengthBits ?? (body.length < 126 ? 7 : body.length < 65_536 ? 16 : 64);
  const ext = bits === 7 ? 0 : bits === 16 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  head[1] = (mask ? 0x80 : 0) | (bits === 7 ? body.length : bits === 16 ? 126 : 127);
  if (bits === 16) head.writeUInt16BE(body.length, 2);
  if (bits === 64) head.writeBigUInt64BE(BigInt(body.length), 2);
  if (!mask) return Buffer.concat([head, body]);
  const key = options.maskKey ?? randomBytes(4);
  head.set(key.subarray(0, 4), 2 + ext);
  const masked = Buffer.from(body);
  for (let i = 0; i < masked.length; i++) masked[i] = masked[i]! ^ key[i % 4]!;
  return Buffer.concat([head, masked]);
}

/** A close frame payload. */
export function closeBody(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A TCP socket to `127.0.0.1:<port>`, connected; later socket errors are ignored (tests watch `close`). */
export async function tcpConnect(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** A socket after the upgrade request, paused: nothing is read until the caller resumes it. */
export interface UpgradedSocket {
  socket: Socket;
  /** The HTTP response head, without the blank line (`HTTP/1.1 101 Switching Protocols\r\n...`). */
  response: string;
  /** Bytes that came after the head in the same read: the first WebSocket frames. */
  rest: Buffer;
}

/** Longer than any node here takes to answer, frozen ones included (a SIGSTOP in a test lasts less). */
const UPGRADE_TIMEOUT_MS = 30_000;

/**
 * Opens a TCP connection and writes a WebSocket upgrade request by hand: the usual headers, then
 * `headers` over them (an empty value leaves a header out). Resolves with the response head, whatever
 * its status, and pauses the socket; rejects when the socket closes before a whole head came, or
 * none came within 30 s.
 */
export async function upgrade(port: number, headers: Record<string, string> = {}): Promise<UpgradedSocket> {
  const socket = await tcpConnect(port);
  socket.setNoDelay(true);
  const all: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    ...headers,
  };
  const lines = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}\r\n`);
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    // A node that never answers is a defect to report, not a test that waits forever.
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade within ${UPGRADE_TIMEOUT_MS} ms`));
    }, UPGRADE_TIMEOUT_MS);
    const onClose = (): void => {
      clearTimeout(timer);
      reject(new Error('socket closed during the upgrade'));
    };
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve({ socket, response: got.subarray(0, end).toString(), rest: got.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(`GET /connection/websocket HTTP/1.1\r\n${lines.join('')}\r\n`);
  });
}

/** A WebSocket client that records every frame the server sends; `writeSlowly` and `frame` make what it sends. */
export class FrameClient {
  readonly frames: ServerFrame[] = [];
  /** Resolves when the server ends or the socket closes. */
  readonly ended: Promise<void>;
  private buffered = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.resume();
  }

  /** Opens a TCP connection and sends the upgrade request (see {@link upgrade}); resolves with the HTTP response head. */
  static async open(
    port: number,
    headers: Record<string, string> = {},
  ): Promise<{ client: FrameClient; response: string }> {
    const { socket, response, rest } = await upgrade(port, headers);
    const client = new FrameClient(socket);
    if (rest.length > 0) client.onData(rest);
    return { client, response };
  }

  /** Writes bytes in pieces of `step`, waiting between them so they arrive as separate chunks. */
  async writeSlowly(bytes: Buffer, step: number): Promise<void> {
    for (let i = 0; i < bytes.length; i += step) {
      this.socket.write(bytes.subarray(i, i + step));
      await sleep(5);
    }
  }

  /** The payloads of text frames, parsed as the JSON lines of the client protocol. */
  replies(): Record<string, unknown>[] {
    return this.frames
      .filter((f) => f.opcode === 1)
      .flatMap((f) => f.payload.toString().split('\n'))
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The code in the server's close frame (1005 when it carried none), once the socket is closed. */
  async closeCode(timeoutMs = 3000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.ended,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('server did not close the socket')), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const close = this.frames.find((f) => f.opcode === 8);
    if (close === undefined) throw new Error('no close frame before the socket closed');
    return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005;
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const data = this.buffered;
      if (data.length < 2) return;
      let length = data[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (data.length < 4) return;
        length = data.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (data.length < 10) return;
        length = Number(data.readBigUInt64BE(2));
        at = 10;
      }
      if (data.length < at + length) return;
      this.frames.push({
        fin: (data[0]! & 0x80) !== 0,
        opcode: data[0]! & 0x0f,
        payload: Buffer.from(data.subarray(at, at + length)),
      });
      this.buffered = data.subarray(at + length);
    }
  }
}
