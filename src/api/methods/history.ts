import { historyEnabled, readHistory } from '../../gateway/history-read.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { encodeWithPublications } from '../../protocol/json/encode.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalObject,
  type Params,
  requireString,
} from '../../protocol/params.js';
import type { Publication } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';

function historyChannel(ctx: ApiContext, params: Params) {
  const channel = requireString(params, 'channel');
  const code = ctx.rules.validate(channel);
  if (code !== null) throw new CommandError(code);
  return { channel, options: ctx.rules.namespaceOf(channel)!.options };
}

/** `history`: `limit` (0: position only, -1: all kept), `since` {offset, epoch}, `reverse`. */
export async function history(ctx: ApiContext, params: Params): Promise<string> {
  const { channel, options } = historyChannel(ctx, params);
  const read = await readHistory(ctx.engine.history, channel, options, {
    limit: optionalInteger(params, 'limit', -1) ?? 0,
    since: optionalObject(params, 'since'),
    reverse: optionalBoolean(params, 'reverse'),
    maxLimit: 0,
  });
  return encodeWithPublications(
    { epoch: read.position.epoch, offset: read.position.offset },
    withoutVersions(read.publications),
  );
}

/**
 * The server API's publications carry no `version`, as in Centrifugo (its API `Publication` has no
 * such field; clients get it). Copies only when some publication has one.
 */
function withoutVersions(pubs: Publication[]): Publication[] {
  if (!pubs.some((p) => p.version !== undefined)) return pubs;
  return pubs.map(({ version: _version, ...rest }) => rest);
}

/** `history_remove`: drops a channel's kept publications; its position stays. */
export async function historyRemove(ctx: ApiContext, params: Params): Promise<string> {
  const { channel, options } = historyChannel(ctx, params);
  if (!historyEnabled(options))
    throw new CommandError(ErrorCode.NotAvailable, 'not available: history is off');
  await ctx.engine.history.remove(channel);
  return '{}';
}
