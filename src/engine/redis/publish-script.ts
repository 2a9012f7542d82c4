/**
 * The publish script: one atomic step per publish, so offsets are assigned in the order Redis runs
 * the scripts and every node receives them in that order.
 *
 * KEYS: meta, stream, seed (`KeySpace.seed`: in the channel's slot)[, idempotency key]
 * ARGV: topic, body, history size (0 = no history), history ttl, meta ttl, idempotency ttl,
 *       publish command (`publish` | `spublish`), epoch window, version (`0`: none), version epoch.
 *       Ttls in ms, 0 = never expire.
 *
 * 1. With an idempotency key that is set: return `{1, stored result}` and deliver nothing.
 * 2. With history and a stale version (`version_stale`, version-lua.ts): return `{1, top}` and
 *    change nothing. Else create the meta when missing (offset 0, stream dropped, and the epoch readers of
 *    the recordless stream were told: `stream_epoch(meta, seed, window)`), HINCRBY the offset, XADD
 *    `<offset>-0` trimmed exactly to the size, extend the stream ttl and the meta ttl (never
 *    shortened), store the version (`version_keep`), and publish `p<offset>:<epoch>:<body>`.
 *    Without history: publish `p::<body>`.
 * 3. Store `<offset>:<epoch>` (empty without history) under the idempotency key with its ttl.
 * Returns `{0, result}`.
 */
import { LUA_HELPERS } from './lua-helpers.js';
import { LuaScript } from './lua-script.js';
import { VERSION_HELPERS } from './version-lua.js';

const SOURCE = `${LUA_HELPERS}${VERSION_HELPERS}
local idem = KEYS[4]
if idem then
  local seen = redis.call('get', idem)
  if seen then return {1, seen} end
end
local size = tonumber(ARGV[3])
local result = ''
if size > 0 then
  local meta, stream = KEYS[1], KEYS[2]
  local top = version_stale(meta, ARGV[9], ARGV[10])
  if top then return {1, top} end
  local epoch = redis.call('hget', meta, 'e')
  local fresh = false
  if not epoch then
    epoch = stream_epoch(meta, KEYS[3], tonumber(ARGV[8]))
    fresh = true
    redis.call('del', stream)
    redis.call('hset', meta, 'e', epoch, 'o', 0)
  end
  local offset = string.format('%d', redis.call('hincrby', meta, 'o', 1))
  redis.call('xadd', stream, 'maxlen', size, offset .. '-0', 'd', ARGV[2])
  version_keep(meta, ARGV[9], ARGV[10])
  keep(stream, tonumber(ARGV[4]), true)
  keep(meta, tonumber(ARGV[5]), fresh)
  result = offset .. ':' .. epoch
  redis.call(ARGV[7], ARGV[1], 'p' .. result .. ':' .. ARGV[2])
else
  redis.call(ARGV[7], ARGV[1], 'p::' .. ARGV[2])
end
if idem then
  local ttl = tonumber(ARGV[6])
  if ttl > 0 then
    redis.call('set', idem, result, 'px', ttl)
  else
    redis.call('set', idem, result)
  end
end
return {0, result}
`;

export const publishScript = new LuaScript('publish', SOURCE);
