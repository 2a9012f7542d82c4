/**
 * Control messages: operations on connections that may live on any node (server API `subscribe`,
 * `unsubscribe`, `disconnect`, `refresh`). Every node receives every control message through the
 * broker and applies it to its own matching connections.
 */

export type ControlMessage =
  | { type: 'disconnect'; user: string; client?: string; code: number; reason: string; whitelist?: string[] }
  | { type: 'unsubscribe'; user: string; channel: string; client?: string }
  | { type: 'subscribe'; user: string; channel: string; client?: string }
  | { type: 'refresh'; user: string; client?: string; expired?: boolean; expireAt?: number };

/** Parses a control message; null for anything malformed (logged by the caller, never thrown). */
export function parseControl(data: string): ControlMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const msg = value as { type?: unknown; user?: unknown };
  if (typeof msg.user !== 'string') return null;
  switch (msg.type) {
    case 'disconnect':
    case 'unsubscribe':
    case 'subscribe':
    case 'refresh':
      return value as ControlMessage;
    default:
      return null;
  }
}
