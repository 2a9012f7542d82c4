import { canPublish } from '../../auth/permissions.js';
import { encodeRawReply } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { requireData, requireString } from '../params.js';
import { authorize, resolveChannel } from './channel-access.js';

/** `publish` from a client, where the namespace allows it. */
export async function handlePublish(conn: Connection, cmd: Command): Promise<void> {
  const node = conn.node;
  const channel = requireString(cmd.params, 'channel');
  const data = requireData(cmd.params);
  const options = resolveChannel(conn, channel);
  const sub = conn.subs.get(channel);
  authorize(conn, channel, options, canPublish);
  await node.publish(channel, { data, info: sub?.info ?? conn.clientInfo() }, options);
  conn.send(encodeRawReply(cmd.id, 'publish', '{}'));
}
