import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { type Params, requireString } from '../../protocol/params.js';
import type { ApiContext } from '../context.js';

function presenceChannel(ctx: ApiContext, params: Params): string {
  const channel = requireString(params, 'channel');
  const code = ctx.rules.validate(channel);
  if (code !== null) throw new CommandError(code);
  if (!ctx.rules.namespaceOf(channel)!.options.presence) {
    throw new CommandError(ErrorCode.NotAvailable, 'not available: presence is off for this channel');
  }
  return channel;
}

/** `presence`: clients in a channel, by client id. */
export async function presence(ctx: ApiContext, params: Params): Promise<string> {
  const result = await ctx.engine.presence.presence(presenceChannel(ctx, params));
  return JSON.stringify({ presence: result });
}

/** `presence_stats`: numbers of clients and distinct users in a channel. */
export async function presenceStats(ctx: ApiContext, params: Params): Promise<string> {
  const stats = await ctx.engine.presence.stats(presenceChannel(ctx, params));
  return JSON.stringify({ num_clients: stats.numClients, num_users: stats.numUsers });
}
