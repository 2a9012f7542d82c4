/** This node's answers to cluster surveys (the questions and their matching live in `cluster/surveys.ts`). */
import type { NodeInfo, SurveyOp } from '../cluster/messages.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { Hub } from './hub.js';

/** A connection as listed by the `connections` API method. */
export interface ConnectionEntry {
  client: string;
  user: string;
  node: string;
  node_name: string;
  channels: string[];
  name?: string;
  version?: string;
}

/** What the answers are read from. */
export interface SurveyContext {
  readonly uid: string;
  readonly name: string;
  readonly hub: Pick<Hub, 'channelCounts'>;
  readonly connections: Pick<ConnectionRegistry, 'authenticated' | 'userSessions'>;
  /** Fresh figures about this node. */
  info(): NodeInfo;
}

/** This node's answer to one survey question. */
export function answerSurvey(node: SurveyContext, op: SurveyOp, params: Record<string, unknown>): unknown {
  switch (op) {
    case 'info':
      return node.info();
    case 'channels':
      return Object.fromEntries(node.hub.channelCounts());
    case 'connections': {
      const user = typeof params['user'] === 'string' ? params['user'] : undefined;
      const entries: ConnectionEntry[] = [];
      for (const conn of user === undefined
        ? node.connections.authenticated()
        : node.connections.userSessions(user)) {
        const entry: ConnectionEntry = {
          client: conn.id,
          user: conn.user,
          node: node.uid,
          node_name: node.name,
          channels: conn.subs.channels(),
        };
        if (conn.name !== '') entry.name = conn.name;
        if (conn.version !== '') entry.version = conn.version;
        entries.push(entry);
        if (entries.length >= 1000) break;
      }
      return entries;
    }
    default: {
      const never: never = op;
      throw new Error(`unknown survey ${String(never)}`);
    }
  }
}
