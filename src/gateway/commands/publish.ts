import { canPublish } from '../../auth/permissions.js';
import { requireData, requireString } from '../../protocol/params.js';
import type { Command, Publication } from '../../protocol/types.js';
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
  const { data, binary } = requireData(cmd.params);
  const options = resolveChannel(ctx.rules, channel);
  const sub = session.subs.get(channel);
  authorize(ctx, session, channel, options, canPublish);
  const pub: Publication = { data, info: sub?.info ?? session.clientInfo() };
  if (binary === true) pub.binary = true;
  checkPublicationSize(ctx.config.client, pub);
  await ctx.publish(channel, pub, options);
  session.reply(cmd.id, 'publish', {});
}
