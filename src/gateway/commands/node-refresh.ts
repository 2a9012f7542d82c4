/**
 * Refreshes done by the node, not the client, where a refresh proxy decides (Centrifugo's
 * `ClientSideRefresh: false`): when a connection expires the node asks the refresh proxy, when a
 * subscription of a namespace with `sub_refresh_proxy_enabled` expires it asks the sub_refresh
 * proxy. Expired: the connection closes with 3005 (the SDK reconnects), the subscription ends
 * with 2501 (the SDK resubscribes). A backend that cannot be asked extends by a minute (in the
 * port), as Centrifugo does, so an outage never disconnects anyone.
 */
import { DisconnectCode, UnsubscribeCode } from '../../protocol/codes.js';
import { DisconnectError } from '../../protocol/errors.js';
import { expiryMs } from '../expiry.js';
import type { RefreshOutcome } from '../proxy-port.js';
import type { Session } from '../session.js';
import type { CommandContext } from './context.js';

/** The longest extension a backend may give: a year, as centrifuge's `maxTTLSeconds`. */
const MAX_TTL_MS = 365 * 24 * 3600 * 1000;

/** The new expiry (Unix ms) a refresh gives, or 0 when it ends the connection or subscription. */
function extension(outcome: RefreshOutcome, now: number): number {
  if (outcome.expired) return 0;
  const at = Math.min(expiryMs(outcome.expireAt), now + MAX_TTL_MS);
  return at > now ? at : 0;
}

/** Asks the backend about whatever of the session is due: the connection, then its subscriptions. */
export async function refreshExpired(session: Session, ctx: CommandContext, now: number): Promise<void> {
  const proxies = ctx.proxies;
  if (proxies === undefined) return;
  try {
    if (
      session.serverRefresh &&
      proxies.refresh !== undefined &&
      session.expiresAt > 0 &&
      now >= session.expiresAt
    ) {
      const outcome = await proxies.refresh(session);
      if (session.state !== 'connected') return;
      const at = extension(outcome, Date.now());
      if (at === 0) {
        session.close(DisconnectCode.Expired);
        return;
      }
      if (outcome.info !== undefined) session.setInfo(outcome.info);
      if (outcome.meta !== undefined) session.meta = outcome.meta;
      session.expiresAt = at;
    }
    for (const sub of [...session.subs.values()]) {
      if (!sub.serverRefresh || sub.expiresAt === 0 || now < sub.expiresAt) continue;
      const ns = ctx.rules.namespaceOf(sub.channel);
      if (ns === null) continue;
      const outcome = await proxies.subRefresh(ns.options.sub_refresh_proxy_name, session, sub.channel);
      if (session.state !== 'connected' || session.subs.get(sub.channel) !== sub) continue;
      const at = extension(outcome, Date.now());
      if (at === 0) {
        ctx.subscriptions.remove(session, sub);
        session.enqueue(session.encoding.unsubscribePush(sub.channel, UnsubscribeCode.Expired));
        continue;
      }
      // New channel info, as Centrifugo takes a sub_refresh's: in later publications and presence.
      if (outcome.info !== undefined) sub.info = session.clientInfo(outcome.info);
      session.setSubscriptionExpiry(sub, at);
    }
  } catch (error) {
    if (session.state === 'closed') return;
    // A disconnect the backend asked for; anything else is a fault of ours (3004, as centrifuge).
    if (error instanceof DisconnectError) session.close(error.code, error.reason);
    else {
      ctx.log.error({ err: error, client: session.id }, 'node-side refresh failed');
      session.close(DisconnectCode.ServerError);
    }
  }
}
