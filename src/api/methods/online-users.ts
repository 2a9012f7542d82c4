/**
 * `online_users`: who is online in the whole cluster now, with the version of each user's last
 * event (docs/user-events.md), for a backend reconciling after it missed events. Paged: `limit`
 * (default 1,000, at most 10,000) and the `cursor` of the previous page; the last page has none.
 */
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { optionalInteger, optionalString, type Params } from '../../protocol/params.js';
import type { ApiContext } from '../context.js';

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

export async function onlineUsers(ctx: ApiContext, params: Params): Promise<string> {
  if (!ctx.config.user_events.enabled) {
    throw new CommandError(ErrorCode.NotAvailable, 'not available: user_events is not enabled');
  }
  const limit = optionalInteger(params, 'limit', 1) ?? DEFAULT_LIMIT;
  if (limit > MAX_LIMIT)
    throw new CommandError(ErrorCode.BadRequest, `bad request: "limit" must be at most ${MAX_LIMIT}`);
  const cursor = optionalString(params, 'cursor') ?? '';
  if (cursor !== '' && !/^[cd]:\d+$/.test(cursor) && !/^\d+$/.test(cursor))
    throw new CommandError(ErrorCode.BadRequest, 'bad request: "cursor" is not one this method returned');
  const page = await ctx.engine.userStatus.online(cursor, limit);
  return JSON.stringify(page.cursor === '' ? { users: page.users } : page);
}
