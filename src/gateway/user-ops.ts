/**
 * User operations from the server API, applied to this node's connections of the user (every node
 * receives them through the cluster's control channel).
 */
import type { UserOp } from '../cluster/messages.js';
import type { Logger } from '../log.js';
import { DisconnectCode, UnsubscribeCode } from '../protocol/codes.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { ttlSeconds } from './expiry.js';
import type { Session } from './session.js';
import type { SubscriptionLifecycle } from './subscriptions/lifecycle.js';
import { subscribe } from './subscriptions/subscribe.js';

/** What user operations work with. */
export interface UserOpContext {
  readonly connections: Pick<ConnectionRegistry, 'userSessions'>;
  readonly subscriptions: SubscriptionLifecycle;
  readonly log: Logger;
}

/** Applies a user operation to this node's matching sessions. */
export function applyUserOp(ctx: UserOpContext, op: UserOp): void {
  for (const conn of ctx.connections.userSessions(op.user, op.client)) {
    switch (op.type) {
      case 'disconnect':
        if (!op.whitelist?.includes(conn.id)) conn.close(op.code, op.reason);
        break;
      case 'unsubscribe': {
        const sub = conn.subs.get(op.channel);
        if (sub === undefined) break;
        ctx.subscriptions.remove(conn, sub);
        conn.enqueue(conn.encoding.unsubscribePush(op.channel, UnsubscribeCode.Server));
        break;
      }
      case 'subscribe':
        void serverSubscribe(ctx, conn, op.channel);
        break;
      case 'refresh':
        refresh(conn, op);
        break;
      default: {
        const never: never = op;
        throw new Error(`unhandled user operation ${String(never)}`);
      }
    }
  }
}

function refresh(conn: Session, op: Extract<UserOp, { type: 'refresh' }>): void {
  if (op.expired === true) {
    conn.close(DisconnectCode.Expired);
    return;
  }
  if (op.expireAt === undefined) return;
  // expire_at 0 lifts the expiry.
  conn.expiresAt = op.expireAt * 1000;
  const ttl = ttlSeconds(conn.expiresAt);
  conn.enqueue(conn.encoding.refreshPush(conn.expiresAt === 0 ? { expires: false } : { expires: true, ttl }));
}

async function serverSubscribe(ctx: UserOpContext, conn: Session, channel: string): Promise<void> {
  const subscriptions = ctx.subscriptions;
  if (conn.state !== 'connected' || conn.subs.has(channel)) return;
  if (subscriptions.rules.validate(channel) !== null) return;
  const ns = subscriptions.rules.namespaceOf(channel);
  if (ns === null || !subscriptions.hasRoom(conn)) return;
  try {
    const request = {
      channel,
      options: ns.options,
      serverSide: true,
      // Asks for neither recovery nor positioning: as in Centrifugo's server API subscribe, only the
      // namespace's force_recovery / force_positioning make the subscription track its position.
      // Centrifugo's server API subscribe recovers only from a given position, never by itself.
      autoCacheRecover: false,
    };
    await subscribe(subscriptions, conn, request, (result) =>
      conn.enqueue(conn.encoding.subscribePush(channel, result)),
    );
  } catch (error) {
    ctx.log.warn({ err: error, channel }, 'server-side subscribe failed');
  }
}
