/**
 * Lua functions shared by the stream scripts, prepended to their source. Times come from the
 * server's `TIME` so every node of a cluster uses one clock per channel (the shard's).
 */

/**
 * `stream_epoch(meta, window)`: the epoch of a stream that has no meta (never published, expired, or
 * lost with a Redis restart or failover), as `streamEpoch` in `../stream-epoch.ts` computes it for
 * the memory engine: a hash of this server's `run_id` (new after every restart and on a promoted
 * replica), the window size in ms (0: the meta never expires), the number of the current window and
 * the channel (its meta key). Reads answer it without storing anything; the publish that creates the
 * meta stores it.
 *
 * `keep(key, ttl, fresh)`: extends a key's expiry to at least `ttl` ms, never shortens it; ttl 0
 * means never expire. `fresh` says the key was just created (no expiry yet, unlike a key kept forever).
 */
export const LUA_HELPERS = `
local function stream_epoch(meta, window)
  local number = 0
  if window > 0 then
    local t = redis.call('time')
    number = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / window)
  end
  local id = string.match(redis.call('info', 'server'), 'run_id:(%x+)') or ''
  local key = string.format('%s:%d:%d:%s', id, window, number, meta)
  local hash = redis.sha1hex(key)
  return string.sub(hash, 1, 12)
end

local function keep(key, ttl, fresh)
  if ttl == 0 then
    redis.call('persist', key)
    return
  end
  local left = redis.call('pttl', key)
  if fresh or (left >= 0 and left < ttl) then
    redis.call('pexpire', key, ttl)
  end
end
`;
