/**
 * The one subscribe routine, for the client's `subscribe`, the channels a `connect` subscribes
 * server-side, and the server API's subscribe (as centrifuge's `subscribeCmd` serves all three):
 * set the subscriptions up, then, unless the session closed or a subscription was replaced during
 * the awaits, queue the reply and make them live.
 */
import type { SubscribeResult } from '../../protocol/types.js';
import type { ClientSubscription } from '../client-subscription.js';
import type { Session } from '../session.js';
import {
  activateSubscription,
  type PreparedSubscription,
  prepareSubscription,
  type SetupContext,
  type SubscriptionRequest,
} from './setup.js';

/** What the routine works with: setting up, and undoing a subscription set up in vain. */
export interface SubscribeContext extends SetupContext {
  /** Ends a subscription (it leaves the session and the hub). */
  remove(session: Session, sub: ClientSubscription): void;
}

/**
 * Subscribes a session to one channel: `reply` queues the answer (a subscribe reply or a subscribe
 * push) just before the subscription goes live. Resolves whether it went live; throws what the
 * setup throws (a `CommandError` to answer with).
 */
export async function subscribe(
  ctx: SubscribeContext,
  session: Session,
  req: SubscriptionRequest,
  reply: (result: SubscribeResult) => void,
): Promise<boolean> {
  const prepared = await prepareSubscription(ctx, session, req);
  return goLive(ctx, session, [prepared], () => reply(prepared.result));
}

/**
 * Sets up several subscriptions at once, or none: when one fails the others are removed and its
 * error is thrown. They stay buffered until `goLive`.
 */
export async function prepareAll(
  ctx: SubscribeContext,
  session: Session,
  requests: readonly SubscriptionRequest[],
): Promise<PreparedSubscription[]> {
  const settled = await Promise.allSettled(requests.map((req) => prepareSubscription(ctx, session, req)));
  const prepared: PreparedSubscription[] = [];
  let failure: PromiseRejectedResult | undefined;
  for (const s of settled) {
    if (s.status === 'fulfilled') prepared.push(s.value);
    else failure ??= s;
  }
  if (failure === undefined) return prepared;
  for (const { sub } of prepared) ctx.remove(session, sub);
  throw failure.reason;
}

/**
 * Queues the reply (`reply`) and makes the prepared subscriptions live, delivering what they
 * buffered, unless the session closed (its release removed them) or one of them is no longer the
 * session's subscription to its channel (unsubscribed, or replaced) while they were set up; then
 * nothing is sent. Returns whether they went live.
 */
export function goLive(
  ctx: SubscribeContext,
  session: Session,
  prepared: readonly PreparedSubscription[],
  reply: () => void,
): boolean {
  if (session.state === 'closed') return false;
  for (const { sub } of prepared) if (session.subs.get(sub.channel) !== sub) return false;
  reply();
  for (const { sub } of prepared) activateSubscription(ctx, session, sub);
  return true;
}
