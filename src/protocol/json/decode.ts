/**
 * Decodes JSON client frames. One WebSocket frame may hold several JSON commands separated by `\n`.
 * Decoding never throws on bad input from a client: it returns a typed failure the connection
 * turns into the proper disconnect.
 */
import { type DecodeResult, type FrameItem, MAX_COMMANDS_PER_FRAME } from '../frame-items.js';
import type { CommandMethod } from '../types.js';

const methods: ReadonlySet<string> = new Set<CommandMethod>([
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'presence',
  'presence_stats',
  'history',
  'ping',
  'send',
  'rpc',
  'refresh',
  'sub_refresh',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeLine(line: string): FrameItem | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'malformed JSON';
  }
  if (!isObject(value)) return 'command must be a JSON object';
  let id = 0;
  let method: string | undefined;
  let params: Record<string, unknown> | undefined;
  for (const key in value) {
    const field = value[key];
    if (key === 'id') {
      if (typeof field !== 'number' || !Number.isSafeInteger(field) || field < 0) {
        return 'id must be a non-negative integer';
      }
      id = field;
      continue;
    }
    if (method !== undefined) return 'command must carry exactly one method';
    if (!isObject(field)) return `${methods.has(key) ? key : 'method'} request must be a JSON object`;
    method = key;
    params = field;
  }
  if (method === undefined || params === undefined) {
    return id === 0 ? { kind: 'pong' } : 'command carries no method';
  }
  if (!methods.has(method)) {
    return id > 0 ? { kind: 'unknown', id } : 'unknown method without id';
  }
  // Only `send` is fire-and-forget; every other command must be answerable.
  if (id === 0 && method !== 'send') return 'command id is required';
  return { kind: 'command', command: { id, method: method as CommandMethod, params } };
}

/** Decodes a text frame into its commands. */
export function decodeFrame(text: string): DecodeResult {
  const items: FrameItem[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    if (items.length === MAX_COMMANDS_PER_FRAME)
      return { ok: false, reason: 'too many commands in one frame' };
    const item = decodeLine(line);
    if (typeof item === 'string') return { ok: false, reason: item };
    items.push(item);
  }
  if (items.length === 0) return { ok: false, reason: 'empty frame' };
  return { ok: true, items };
}
