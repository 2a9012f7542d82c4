import { canHistory } from '../../auth/permissions.js';
import { encodeRawReply, encodeWithPublications } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { readHistory } from '../history-read.js';
import { optionalBoolean, optionalInteger, optionalObject, requireString } from '../params.js';
import { checkReplySize, publicationsBytes } from '../size-limits.js';
import { authorize, resolveChannel } from './channel-access.js';

/**
 * `history`: a page of the channel's stream, capped by `client.history_max_publication_limit`; a page
 * larger than the reply budget is refused (106) rather than queued, so the client can ask for less.
 */
export async function handleHistory(conn: Connection, cmd: Command): Promise<void> {
  const node = conn.node;
  const p = cmd.params;
  const channel = requireString(p, 'channel');
  const options = resolveChannel(conn, channel);
  authorize(conn, channel, options, canHistory);
  const read = await readHistory(node.engine.history, channel, options, {
    limit: optionalInteger(p, 'limit', -1) ?? 0,
    since: optionalObject(p, 'since'),
    reverse: optionalBoolean(p, 'reverse'),
    maxLimit: node.config.client.history_max_publication_limit,
  });
  const pubs = read.publications;
  checkReplySize(node.config.client, 'history', publicationsBytes(pubs), 'ask for a smaller limit');
  const { epoch, offset } = read.position;
  const result = encodeWithPublications({ epoch, offset }, pubs, epoch);
  conn.send(encodeRawReply(cmd.id, 'history', result));
}
