import type { NodeInfo } from '../../cluster/messages.js';
import type { ConnectionEntry } from '../../gateway/survey-answers.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { optionalString, type Params, wellFormed } from '../../protocol/params.js';
import type { ApiContext } from '../context.js';

/**
 * Glob match with `*` only, the pattern language of `channels`. Backtracks to the last `*` only, so a
 * call costs at most pattern × value steps; a regex with many `.*` backtracks exponentially.
 */
function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** `channels`: channels with subscribers across the cluster and their client counts, optionally filtered by a `*` pattern. */
export async function channels(ctx: ApiContext, params: Params): Promise<string> {
  const pattern = optionalString(params, 'pattern') ?? '';
  if (pattern.length > 1024)
    throw new CommandError(ErrorCode.BadRequest, 'bad request: "pattern" is too long');
  const totals = new Map<string, number>();
  for (const answer of await ctx.cluster.survey('channels', {})) {
    for (const [channel, count] of Object.entries(answer.result as Record<string, number>)) {
      if (pattern === '' || globMatch(pattern, channel))
        totals.set(channel, (totals.get(channel) ?? 0) + count);
    }
  }
  const out: Record<string, { num_clients: number }> = {};
  for (const [channel, count] of totals) out[channel] = { num_clients: count };
  return JSON.stringify({ channels: out });
}

/** `info`: every live node of the cluster with its current counts. */
export async function info(ctx: ApiContext, _params: Params): Promise<string> {
  const nodes = (await ctx.cluster.survey('info', {})).map((a) => a.result as NodeInfo);
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  return JSON.stringify({ nodes });
}

/** `connections`: where a user is connected (every connection with its node), or all connections (at most 1,000 per node). */
export async function connections(ctx: ApiContext, params: Params): Promise<string> {
  const user = params['user'];
  if (user !== undefined && typeof user !== 'string') {
    throw new CommandError(ErrorCode.BadRequest, 'bad request: "user" must be a string');
  }
  if (user !== undefined) wellFormed('user', user);
  const out: Record<string, ConnectionEntry> = {};
  for (const answer of await ctx.cluster.survey('connections', user === undefined ? {} : { user })) {
    for (const entry of answer.result as ConnectionEntry[]) out[entry.client] = entry;
  }
  return JSON.stringify({ connections: out });
}
