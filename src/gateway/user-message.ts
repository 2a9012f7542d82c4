/**
 * Asynchronous messages to a user (server API `send`): every node receives the message through the
 * cluster's control channel and pushes it to the user's connections it holds, as
 * `{"push":{"message":{"data":…}}}`, which the SDKs emit as their `message` event.
 */
import type { MessageOp } from '../cluster/messages.js';
import { FramePerEncoding } from '../protocol/encoding.js';
import type { ConnectionRegistry } from './connection-registry.js';

/** Pushes `op.data` to this node's connections of `op.user` (only `op.client`, when given). */
export function deliverMessage(sessions: Pick<ConnectionRegistry, 'userSessions'>, op: MessageOp): void {
  const connections = sessions.userSessions(op.user, op.client);
  if (connections.length === 0) return;
  // One frame per encoding for every connection of the user on this node.
  const push = new FramePerEncoding((encoding) => encoding.messagePush(op.data));
  for (const conn of connections) {
    if (conn.state === 'connected') conn.enqueue(push.get(conn.encoding));
  }
}
