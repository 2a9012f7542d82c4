/**
 * Lua functions shared by the stream scripts, prepended to their source. Times come from the
 * server's `TIME` so every node of a cluster uses one clock per channel (the shard's).
 */

/**
 * `stream_epoch(meta, seed, window)`: the epoch of a stream that has no meta (never published,
 * expired, or lost with Redis' data), as `streamEpoch` in `../stream-epoch.ts` computes it for the
 * memory engine: a hash of the seed stored under the key `seed`, the window size in ms (0: the meta
 * never expires), the number of the current window and the channel (its meta key). Reads answer it
 * without storing anything of the channel; the publish that creates the meta stores it.
 *
 * The seed is Redis' data, so it survives exactly what the streams survive: a restart with an
 * append-only file or a snapshot, a failover to a replica (it is replicated like any key). A Redis
 * that lost its data lost the seed too; the first script that needs it then creates another, from
 * this server's `run_id` (random per server start) and `TIME` in microseconds, so no earlier seed
 * comes back and every epoch a client may hold from before the loss changes. `SET` without expiry:
 * one key outside Redis Cluster, one per slot in it (`KeySpace.seed`), never one per channel.
 *
 * `keep(key, ttl, fresh)`: extends a key's expiry to at least `ttl` ms, never shortens it; ttl 0
 * means never expire. `fresh` says the key was just created (no expiry yet, unlike a key kept forever).
 */
export const LUA_HELPERS = `
local function stream_epoch(meta, seed, window)
  local value = redis.call('get', seed)
  if not value then
    local t = redis.call('time')
    local id = string.match(redis.call('info', 'server'), 'run_id:(%x+)') or ''
    value = string.sub(redis.sha1hex(id .. ':' .. t[1] .. ':' .. t[2] .. ':' .. seed), 1, 20)
    redis.call('set', seed, value)
  end
  local number = 0
  if window > 0 then
    local t = redis.call('time')
    number = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / window)
  end
  local key = string.format('%s:%d:%d:%s', value, window, number, meta)
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
