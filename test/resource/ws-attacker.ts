/**
 * Attackers at the WebSocket frame level: a bare TCP socket that completes the upgrade (the frame
 * client's handshake) and then never reads, and a pump that writes the same block of frames into it
 * as fast as the node takes them.
 */
import type { Socket } from 'node:net';
import { upgrade } from '../harness/index.js';

/** Bytes an attacker sends right after the upgrade, and text it waits for in the answer. */
export interface Hello {
  frames: Buffer;
  until: string;
}

/**
 * A socket that completed the WebSocket upgrade (and, given `hello`, sent its frames and got the
 * answer) and reads nothing after that: the kernel's buffers fill, then the node's writes to this
 * socket stay pending.
 */
export async function upgradedSocket(port: number, hello?: Hello): Promise<Socket> {
  const { socket, response, rest } = await upgrade(port);
  if (!response.startsWith('HTTP/1.1 101 ')) {
    socket.destroy();
    throw new Error(`upgrade refused: ${response.split('\r\n', 1)[0]}`);
  }
  if (hello !== undefined) {
    socket.write(hello.frames);
    await readUntil(socket, rest.toString('latin1'), hello.until);
  }
  return socket;
}

/** Reads the paused socket until `text` has come (counting `got`, read already), then pauses it again. */
function readUntil(socket: Socket, got: string, text: string): Promise<void> {
  if (got.includes(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let seen = got;
    const onClose = (): void => reject(new Error(`closed before the node answered with ${text}`));
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (!seen.includes(text)) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
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
