import { CommandError } from '../../gateway/errors.js';
import type { GatewayNode } from '../../gateway/node.js';
import { type Params, requireString } from '../../gateway/params.js';
import { ErrorCode } from '../../protocol/codes.js';

function presenceChannel(node: GatewayNode, params: Params): string {
  const channel = requireString(params, 'channel');
  const code = node.rules.validate(channel);
  if (code !== null) throw new CommandError(code);
  if (!node.rules.namespaceOf(channel)!.options.presence) {
    throw new CommandError(ErrorCode.NotAvailable, 'not available: presence is off for this channel');
  }
  return channel;
}

/** `presence`: clients in a channel, by client id. */
export async function presence(node: GatewayNode, params: Params): Promise<string> {
  const result = await node.engine.presence.presence(presenceChannel(node, params));
  return JSON.stringify({ presence: result });
}

/** `presence_stats`: numbers of clients and distinct users in a channel. */
export async function presenceStats(node: GatewayNode, params: Params): Promise<string> {
  const stats = await node.engine.presence.stats(presenceChannel(node, params));
  return JSON.stringify({ num_clients: stats.numClients, num_users: stats.numUsers });
}
