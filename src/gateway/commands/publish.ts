import { canPublish } from '../../auth/permissions.js';
import type { ChannelOptions } from '../../config/types.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { requireData, requireString } from '../../protocol/params.js';
import type { Command, Publication } from '../../protocol/types.js';
import type { ProxyPayload } from '../proxy-port.js';
import type { Session } from '../session.js';
import { checkPublicationSize } from '../size-limits.js';
import { authorize, resolveChannel } from './channel-access.js';
import type { CommandContext } from './context.js';
import { isMapPublish, refuseMapPublish } from './request-fields.js';

/** `publish` from a client, where the namespace allows it and the publication is not too large to deliver. */
export async function handlePublish(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const channel = requireString(cmd.params, 'channel');
  // A map publish or removal (`type: 1`) needs no data; it fails once the namespace is known.
  if (isMapPublish(cmd.params)) {
    resolveChannel(ctx.rules, channel);
    refuseMapPublish(ctx.config, cmd.params);
  }
  const payload = requireData(cmd.params);
  const options = resolveChannel(ctx.rules, channel);
  if (options.publish_proxy_enabled) {
    await publishThroughProxy(session, cmd, ctx, channel, options, payload);
    return;
  }
  authorize(ctx, session, channel, options, canPublish);
  const pub = publication(session, channel, payload);
  checkPublicationSize(ctx.config.client, pub);
  await ctx.publish(channel, pub, options);
  session.reply(cmd.id, 'publish', {});
}

/** The publication a client's data makes, with the publisher's info (its channel info when subscribed). */
function publication(session: Session, channel: string, payload: ProxyPayload): Publication {
  const pub: Publication = {
    data: payload.data,
    info: session.subs.get(channel)?.info ?? session.clientInfo(),
  };
  if (payload.binary === true) pub.binary = true;
  return pub;
}

/**
 * A namespace with `publish_proxy_enabled`: the backend decides instead of the namespace's
 * permissions (as in Centrifugo), and may change the data, skip history, add tags, an idempotency
 * key, a version or ask for a delta.
 */
async function publishThroughProxy(
  session: Session,
  cmd: Command,
  ctx: CommandContext,
  channel: string,
  options: ChannelOptions,
  payload: ProxyPayload,
): Promise<void> {
  if (ctx.proxies === undefined) throw new CommandError(ErrorCode.NotAvailable);
  const outcome = await ctx.proxies.publish(options.publish_proxy_name, session, channel, payload);
  const pub = publication(session, channel, outcome.payload);
  if (outcome.tags !== undefined && Object.keys(outcome.tags).length > 0) pub.tags = outcome.tags;
  if (outcome.delta === true) pub.delta = true;
  if (outcome.version !== undefined && outcome.version > 0) pub.version = outcome.version;
  checkPublicationSize(ctx.config.client, pub);
  const target = outcome.skipHistory ? { ...options, history_size: 0, history_ttl: 0 } : options;
  await ctx.publish(channel, pub, target, {
    idempotencyKey: outcome.idempotencyKey,
    versionEpoch: outcome.versionEpoch,
  });
  session.reply(cmd.id, 'publish', {});
}
