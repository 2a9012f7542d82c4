import { canPresence } from '../../auth/permissions.js';
import { requireString } from '../../protocol/params.js';
import type { Command } from '../../protocol/types.js';
import type { Session } from '../session.js';
import { checkReplySize } from '../size-limits.js';
import { authorize, resolveChannel } from './channel-access.js';
import type { CommandContext } from './context.js';

function checkPresence(ctx: CommandContext, session: Session, cmd: Command): string {
  const channel = requireString(cmd.params, 'channel');
  const options = resolveChannel(ctx.rules, channel);
  authorize(ctx, session, channel, options, canPresence);
  return channel;
}

/** `presence`: clients in a channel, by client id; a list larger than the reply budget is refused (106). */
export async function handlePresence(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const channel = checkPresence(ctx, session, cmd);
  const presence = await ctx.presence.presence(channel);
  const reply = session.encoding.reply(cmd.id, 'presence', { presence });
  checkReplySize(ctx.config.client, 'presence', reply.length, 'use presence_stats');
  session.enqueue(reply);
}

/** `presence_stats`: how many clients and distinct users are in a channel. */
export async function handlePresenceStats(
  session: Session,
  cmd: Command,
  ctx: CommandContext,
): Promise<void> {
  const channel = checkPresence(ctx, session, cmd);
  const stats = await ctx.presence.stats(channel);
  session.reply(cmd.id, 'presence_stats', { num_clients: stats.numClients, num_users: stats.numUsers });
}
