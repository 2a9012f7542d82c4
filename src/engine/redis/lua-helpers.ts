/**
 * Lua functions shared by the stream scripts, prepended to their source. Times come from the
 * server's `TIME` so every node of a cluster uses one clock per channel (the shard's).
 */

/**
 * `new_epoch()`: a short epoch for a stream that has no meta (new, expired or lost with a Redis
 * restart): the server time in microseconds, base 36. Two metas of one channel are never created
 * in the same microsecond, so a lost stream always gets an epoch different from the one before.
 *
 * `keep(key, ttl, fresh)`: extends a key's expiry to at least `ttl` ms, never shortens it; ttl 0
 * means never expire. `fresh` says the key was just created (no expiry yet, unlike a key kept forever).
 */
export const LUA_HELPERS = `
local function new_epoch()
  local t = redis.call('time')
  local n = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  local s = ''
  while n > 0 do
    local d = n % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    n = math.floor(n / 36)
  end
  return s
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
