/**
 * A minimal RESP2 client for the Redis test harness: one connection per command, no retries, no
 * pooling. The harness uses it to probe servers it starts (PING, CLUSTER INFO, SENTINEL ...) without
 * the reconnect logic of a real client, so a probe never outlives its timeout.
 */
import { connect } from 'node:net';

/** A decoded RESP2 reply. Error replies reject instead. */
export type RespValue = string | number | null | RespValue[];

/** A reply that starts with `-`. */
export class RespError extends Error {
  override readonly name = 'RespError';
}

/** Sends one command to `127.0.0.1:port` and resolves with its reply; rejects on error or timeout. */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 1000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`no reply from 127.0.0.1:${port} within ${timeoutMs} ms`)),
    );
    socket.on('error', fail);
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let parsed: Parsed | undefined;
      try {
        parsed = parse(buffer, 0);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (parsed === undefined) return;
      socket.destroy();
      if (parsed.value instanceof RespError) reject(parsed.value);
      else resolve(parsed.value);
    });
  });
}

function encode(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

interface Parsed {
  value: RespValue | RespError;
  end: number;
}

/** Parses one value at `start`; undefined when the buffer does not hold all of it yet. */
function parse(buffer: Buffer, start: number): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (item === undefined) return undefined;
        if (item.value instanceof RespError) throw item.value;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}
