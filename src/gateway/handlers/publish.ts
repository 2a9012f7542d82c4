import { canPublish } from '../../auth/permissions.js';
import { encodeRawReply } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { requireData, requireString } from '../params.js';
import { checkPublicationSize } from '../size-limits.js';
import { authorize, resolveChannel } from './channel-access.js';
import { isMapPublish, refuseMapPublish } from './request-fields.js';

/** `publish` from a client, where the namespace allows it and the publication is not too large to deliver. */
export async function handlePublish(conn: Connection, cmd: Command): Promise<void> {
  const node = conn.node;
  const channel = requireString(cmd.params, 'channel');
  // A map publish or removal (`type: 1`) needs no data; it fails once the namespace is known.
  if (isMapPublish(cmd.params)) {
    resolveChannel(conn, channel);
    refuseMapPublish(conn, cmd.params);
  }
  const data = requireData(cmd.params);
  const options = resolveChannel(conn, channel);
  const sub = conn.subs.get(channel);
  authorize(conn, channel, options, canPublish);
  const pub = { data, info: sub?.info ?? conn.clientInfo() };
  checkPublicationSize(node.config.client, pub);
  await node.publish(channel, pub, options);
  conn.send(encodeRawReply(cmd.id, 'publish', '{}'));
}
