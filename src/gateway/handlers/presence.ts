import { canPresence } from '../../auth/permissions.js';
import { encodeReply } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { requireString } from '../params.js';
import { authorize, resolveChannel } from './channel-access.js';

function checkPresence(conn: Connection, cmd: Command): string {
  const channel = requireString(cmd.params, 'channel');
  const options = resolveChannel(conn, channel);
  authorize(conn, channel, options, canPresence);
  return channel;
}

/** `presence`: clients in a channel, by client id. */
export async function handlePresence(conn: Connection, cmd: Command): Promise<void> {
  const channel = checkPresence(conn, cmd);
  const presence = await conn.node.engine.presence.presence(channel);
  conn.send(encodeReply(cmd.id, 'presence', { presence }));
}

/** `presence_stats`: how many clients and distinct users are in a channel. */
export async function handlePresenceStats(conn: Connection, cmd: Command): Promise<void> {
  const channel = checkPresence(conn, cmd);
  const stats = await conn.node.engine.presence.stats(channel);
  conn.send(
    encodeReply(cmd.id, 'presence_stats', { num_clients: stats.numClients, num_users: stats.numUsers }),
  );
}
