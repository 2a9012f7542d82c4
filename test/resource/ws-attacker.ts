/**
 * Attackers at the WebSocket frame level: a bare TCP socket that completes the upgrade and then
 * never reads, and a pump that writes the same block of frames into it as fast as the node takes
 * them.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Bytes an attacker sends right after the upgrade, and text it waits for in the answer. */
export interface Hello {
  frames: Buffer;
  until: string;
}

/**
 * A socket that completed the WebSocket upgrade (and, given `hello`, sent its frames and got the
 * answer) and reads nothing after that.
 */
export async function upgradedSocket(port: number, hello?: Hello): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const head = await new Promise<string>((resolve, reject) => {
    let got = '';
    let sentHello = false;
    const onData = (chunk: Buffer): void => {
      got += chunk.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      if (hello !== undefined && !sentHello) {
        sentHello = true;
        socket.write(hello.frames);
      }
      if (hello !== undefined && !got.includes(hello.until, end)) return;
      socket.off('data', onData);
      // Stop reading: the kernel's buffers fill, then the node's writes to this socket stay pending.
      socket.pause();
      resolve(got.slice(0, end));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the upgrade')));
    socket.write(
      'GET /connection/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    );
  });
  if (!head.startsWith('HTTP/1.1 101 ')) throw new Error(`upgrade refused: ${head.split('\r\n', 1)[0]}`);
  return socket;
}

/**
 * Writes `block` again and again until `total` bytes are written, the socket closes or `deadline`
 * (epoch ms) passes; waits for the socket to drain between blocks. Resolves with the bytes written.
 */
export async function pump(socket: Socket, block: Buffer, total: number, deadline: number): Promise<number> {
  let written = 0;
  while (written < total && !socket.destroyed && Date.now() < deadline) {
    written += block.length;
    if (!socket.write(block) && !(await drained(socket, deadline))) break;
  }
  return written;
}

/** Resolves true when the socket drains, false when it closes or `deadline` passes first. */
function drained(socket: Socket, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}

/** `count` copies of `frame` back to back. */
export function repeat(frame: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}
