/** History reads shared by the client `history` command and the server API. */
import type { ChannelOptions } from '../config/types.js';
import type { HistoryPage, HistoryStore } from '../engine/types.js';
import { ErrorCode } from '../protocol/codes.js';
import { CommandError } from '../protocol/errors.js';
import { optionalInteger, optionalString, type Params } from '../protocol/params.js';

/** Whether a channel keeps history (both a size and a ttl). */
export function historyEnabled(options: ChannelOptions): boolean {
  return options.history_size > 0 && options.history_ttl > 0;
}

export interface HistoryRead {
  /** 0: only the position; -1: as many as allowed. */
  limit: number;
  since: Params | undefined;
  reverse: boolean;
  /** Cap on returned publications; 0 means no cap. */
  maxLimit: number;
}

export async function readHistory(
  store: HistoryStore,
  channel: string,
  options: ChannelOptions,
  req: HistoryRead,
): Promise<HistoryPage> {
  if (!historyEnabled(options))
    throw new CommandError(ErrorCode.NotAvailable, 'not available: history is off');
  let limit = req.limit;
  if (req.maxLimit > 0 && (limit < 0 || limit > req.maxLimit)) limit = req.maxLimit;
  const sinceOffset = req.since === undefined ? undefined : (optionalInteger(req.since, 'offset', 0) ?? 0);
  const sinceEpoch = req.since === undefined ? undefined : optionalString(req.since, 'epoch');
  const read = await store.history(
    channel,
    { limit, since: sinceOffset === undefined ? undefined : { offset: sinceOffset }, reverse: req.reverse },
    options.history_meta_ttl,
  );
  if (sinceEpoch !== undefined && sinceEpoch !== '' && sinceEpoch !== read.position.epoch) {
    throw new CommandError(ErrorCode.UnrecoverablePosition);
  }
  return read;
}
