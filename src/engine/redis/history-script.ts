/**
 * The history read script: meta and entries in one atomic step, so the position returned is the
 * top of exactly the entries returned. It writes nothing of the channel.
 *
 * KEYS: meta, stream, seed (`KeySpace.seed`: in the channel's slot)
 * ARGV: epoch window (ms, 0 = the meta never expires; see `stream_epoch`), limit (-1 all, 0 position
 *       only, N), since offset ('' none), reverse ('1' | '0')
 *
 * Without meta the stream has no record: returns `{0, stream_epoch(meta, seed, window)}` and no
 * entries (a stream key left without its meta holds a lost epoch's entries). A read never creates
 * nor extends a key of the channel, so readers cannot keep keys alive; the only key it may create
 * is the seed, when Redis has none (first use, or its data was lost): one per prefix, one per slot
 * in Redis Cluster, whatever the number of channels read. Otherwise returns `{offset, epoch, id1,
 * body1, id2, body2, …}`. Forward: entries after `since`, oldest first; reverse: entries before
 * `since`, newest first; `limit` applies after the `since` filter — the memory engine's semantics.
 * Entry ids are `<offset>-0`, so `since` maps to an id range directly.
 */
import { LUA_HELPERS } from './lua-helpers.js';
import { LuaScript } from './lua-script.js';

const SOURCE = `${LUA_HELPERS}
local meta, stream = KEYS[1], KEYS[2]
local fields = redis.call('hmget', meta, 'e', 'o')
local epoch, offset = fields[1], tonumber(fields[2])
if not epoch then return {0, stream_epoch(meta, KEYS[3], tonumber(ARGV[1]))} end
local out = {offset, epoch}
local limit = tonumber(ARGV[2])
if limit == 0 then return out end
local entries
local command, from, to
if ARGV[4] == '1' then
  command, from, to = 'xrevrange', '+', '-'
  if ARGV[3] ~= '' then
    local before = tonumber(ARGV[3]) - 1
    if before < 1 then return out end
    from = string.format('%d', before)
  end
else
  command, from, to = 'xrange', '-', '+'
  if ARGV[3] ~= '' then
    local after = tonumber(ARGV[3]) + 1
    if after > 1 then from = string.format('%d', after) end
  end
end
if limit > 0 then
  entries = redis.call(command, stream, from, to, 'count', limit)
else
  entries = redis.call(command, stream, from, to)
end
for i = 1, #entries do
  local entry = entries[i]
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
end
return out
`;

export const historyScript = new LuaScript('history', SOURCE);
