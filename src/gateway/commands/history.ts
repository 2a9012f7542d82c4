import { canHistory } from '../../auth/permissions.js';
import { optionalBoolean, optionalInteger, optionalObject, requireString } from '../../protocol/params.js';
import type { Command } from '../../protocol/types.js';
import { readHistory } from '../history-read.js';
import type { Session } from '../session.js';
import { checkReplySize, publicationsBytes } from '../size-limits.js';
import { authorize, resolveChannel } from './channel-access.js';
import type { CommandContext } from './context.js';

/**
 * `history`: a page of the channel's stream, capped by `client.history_max_publication_limit`; a page
 * larger than the reply budget is refused (106) rather than queued, so the client can ask for less.
 */
export async function handleHistory(session: Session, cmd: Command, ctx: CommandContext): Promise<void> {
  const p = cmd.params;
  const channel = requireString(p, 'channel');
  const options = resolveChannel(ctx.rules, channel);
  authorize(ctx, session, channel, options, canHistory);
  const read = await readHistory(ctx.history, channel, options, {
    limit: optionalInteger(p, 'limit', -1) ?? 0,
    since: optionalObject(p, 'since'),
    reverse: optionalBoolean(p, 'reverse'),
    maxLimit: ctx.config.client.history_max_publication_limit,
  });
  const pubs = read.publications;
  checkReplySize(ctx.config.client, 'history', publicationsBytes(pubs), 'ask for a smaller limit');
  const { epoch, offset } = read.position;
  session.reply(cmd.id, 'history', { publications: pubs, epoch, offset });
}
