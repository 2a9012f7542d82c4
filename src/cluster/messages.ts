/**
 * Control messages: what nodes tell each other through the broker's control channel. Every node
 * receives every message; a message aimed at one node carries `to`.
 */

/** Operations on a user's connections, wherever they are (server API subscribe/unsubscribe/...). */
export type UserOp =
  | { type: 'disconnect'; user: string; client?: string; code: number; reason: string; whitelist?: string[] }
  | { type: 'unsubscribe'; user: string; channel: string; client?: string }
  | { type: 'subscribe'; user: string; channel: string; client?: string }
  | { type: 'refresh'; user: string; client?: string; expired?: boolean; expireAt?: number };

/**
 * An asynchronous message to a user's connections (server API `send`), pushed as `message`. `data`
 * is the JSON text as the caller sent it, carried as a string so no node re-encodes it.
 */
export interface MessageOp {
  type: 'message';
  user: string;
  client?: string;
  data: string;
}

/** What a node announces about itself every few seconds. */
export interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  num_subs: number;
  uptime: number;
  process: { rss: number; heap_used: number };
  /** Totals since the node started (see NodeCounters): rates are differences between readings. */
  counters: { publications: number; deliveries: number };
}

/** Questions every node answers about its own connections. */
export type SurveyOp = 'info' | 'channels' | 'connections';

/** The commands of an `/emulation` request that reached another node than the session's. */
export interface EmulationOp {
  type: 'emulation';
  /** The node holding the session. */
  node: string;
  session: string;
  /** The commands, base64. */
  data: string;
}

export type ControlMessage =
  | UserOp
  | MessageOp
  | EmulationOp
  | { type: 'node'; info: NodeInfo }
  | { type: 'node_leave'; uid: string }
  | { type: 'survey'; id: string; from: string; op: SurveyOp; params: Record<string, unknown> }
  | { type: 'survey_reply'; id: string; to: string; node: string; result: unknown };

const TYPES = new Set([
  'disconnect',
  'unsubscribe',
  'subscribe',
  'refresh',
  'message',
  'emulation',
  'node',
  'node_leave',
  'survey',
  'survey_reply',
]);

/** Parses a control message; null for anything malformed (logged by the caller, never thrown). */
export function parseControl(data: string): ControlMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !TYPES.has(type)) return null;
  if (type === 'disconnect' || type === 'unsubscribe' || type === 'subscribe' || type === 'refresh') {
    if (typeof (value as { user?: unknown }).user !== 'string') return null;
  }
  if (type === 'message') {
    const { user, data } = value as { user?: unknown; data?: unknown };
    if (typeof user !== 'string' || typeof data !== 'string') return null;
  }
  if (type === 'emulation') {
    const { node, session, data } = value as { node?: unknown; session?: unknown; data?: unknown };
    if (typeof node !== 'string' || typeof session !== 'string' || typeof data !== 'string') return null;
  }
  return value as ControlMessage;
}
