import { canHistory } from '../../auth/permissions.js';
import { encodeRawReply, encodeWithPublications } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { CommandError } from '../errors.js';
import { readHistory } from '../history-read.js';
import { optionalBoolean, optionalInteger, optionalObject, requireString } from '../params.js';
import { resolveChannel } from './channel-access.js';

/** `history`: a page of the channel's stream, capped by `client.history_max_publication_limit`. */
export async function handleHistory(conn: Connection, cmd: Command): Promise<void> {
  const node = conn.node;
  const p = cmd.params;
  const channel = requireString(p, 'channel');
  const options = resolveChannel(conn, channel);
  const denied = conn.node.config.client.insecure
    ? null
    : canHistory({
        user: conn.user,
        channel,
        options,
        subscribed: conn.subs.has(channel),
        hasSubscriptionToken: false,
        rules: node.rules,
      });
  if (denied !== null) throw new CommandError(denied);
  const read = await readHistory(node.engine.history, channel, options, {
    limit: optionalInteger(p, 'limit', -1) ?? 0,
    since: optionalObject(p, 'since'),
    reverse: optionalBoolean(p, 'reverse'),
    maxLimit: node.config.client.history_max_publication_limit,
  });
  const result = encodeWithPublications(
    { epoch: read.position.epoch, offset: read.position.offset },
    read.publications,
  );
  conn.send(encodeRawReply(cmd.id, 'history', result));
}
