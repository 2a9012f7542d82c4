import { canPresence } from '../../auth/permissions.js';
import { encodeReply } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { requireString } from '../params.js';
import { checkReplySize } from '../size-limits.js';
import { authorize, resolveChannel } from './channel-access.js';

function checkPresence(conn: Connection, cmd: Command): string {
  const channel = requireString(cmd.params, 'channel');
  const options = resolveChannel(conn, channel);
  authorize(conn, channel, options, canPresence);
  return channel;
}

/** `presence`: clients in a channel, by client id; a list larger than the reply budget is refused (106). */
export async function handlePresence(conn: Connection, cmd: Command): Promise<void> {
  const channel = checkPresence(conn, cmd);
  const presence = await conn.node.engine.presence.presence(channel);
  const reply = encodeReply(cmd.id, 'presence', { presence });
  checkReplySize(conn.node.config.client, 'presence', Buffer.byteLength(reply), 'use presence_stats');
  conn.send(reply);
}

/** `presence_stats`: how many clients and distinct users are in a channel. */
export async function handlePresenceStats(conn: Connection, cmd: Command): Promise<void> {
  const channel = checkPresence(conn, cmd);
  const stats = await conn.node.engine.presence.stats(channel);
  conn.send(
    encodeReply(cmd.id, 'presence_stats', { num_clients: stats.numClients, num_users: stats.numUsers }),
  );
}
