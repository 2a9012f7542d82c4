import { CommandError } from '../../gateway/errors.js';
import type { GatewayNode } from '../../gateway/node.js';
import { optionalString, type Params } from '../../gateway/params.js';
import { ErrorCode } from '../../protocol/codes.js';

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

/** `channels`: channels with subscribers and their client counts, optionally filtered by a `*` pattern. */
export async function channels(node: GatewayNode, params: Params): Promise<string> {
  const pattern = optionalString(params, 'pattern') ?? '';
  if (pattern.length > 1024)
    throw new CommandError(ErrorCode.BadRequest, 'bad request: "pattern" is too long');
  const out: Record<string, { num_clients: number }> = {};
  for (const [channel, count] of node.hub.channelCounts()) {
    if (pattern === '' || globMatch(pattern, channel)) out[channel] = { num_clients: count };
  }
  return JSON.stringify({ channels: out });
}

/** `info`: the nodes of the cluster with their counts. */
export async function info(node: GatewayNode, _params: Params): Promise<string> {
  const mem = process.memoryUsage();
  return JSON.stringify({
    nodes: [
      {
        uid: node.uid,
        name: node.name,
        version: node.version,
        num_clients: node.numClients,
        num_users: node.numUsers,
        num_channels: node.hub.numChannels,
        num_subs: node.hub.numSubscriptions,
        uptime: Math.floor((Date.now() - node.startedAt) / 1000),
        process: { rss: mem.rss, heap_used: mem.heapUsed },
      },
    ],
  });
}
