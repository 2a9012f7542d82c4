/**
 * Presence scripts. A channel's presence is a hash client → info JSON plus a zset client → expiry
 * (server ms). Both keys expire with their longest-lived entry, so a dead node's clients vanish
 * even if nobody reads the channel again; reads drop expired entries first.
 *
 * KEYS of every script: hash, zset.
 */
import { LUA_HELPERS } from './lua-helpers.js';
import { LuaScript } from './lua-script.js';

const NOW = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** ARGV: client id, info JSON, ttl ms (0 = never expire). */
export const presenceAddScript = new LuaScript(
  'presence add',
  `${LUA_HELPERS}${NOW}
local ttl = tonumber(ARGV[3])
local fresh = redis.call('exists', KEYS[2]) == 0
local expiry = '+inf'
if ttl > 0 then expiry = now + ttl end
redis.call('zadd', KEYS[2], expiry, ARGV[1])
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
keep(KEYS[1], ttl, fresh)
keep(KEYS[2], ttl, fresh)
return 0
`,
);

/** ARGV: client id. */
export const presenceRemoveScript = new LuaScript(
  'presence remove',
  `
redis.call('hdel', KEYS[1], ARGV[1])
redis.call('zrem', KEYS[2], ARGV[1])
return 0
`,
);

/**
 * ARGV: 'list' → `{client1, info1, …}`; 'stats' → `{clients, distinct users}`. Expiry is
 * inclusive (an entry expiring now is gone), as in the memory engine.
 */
export const presenceReadScript = new LuaScript(
  'presence read',
  `${NOW}
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', now)
if #expired > 0 then
  redis.call('zremrangebyscore', KEYS[2], '-inf', now)
  for i = 1, #expired, 1000 do
    redis.call('hdel', KEYS[1], unpack(expired, i, math.min(i + 999, #expired)))
  end
end
if ARGV[1] == 'stats' then
  local infos = redis.call('hvals', KEYS[1])
  local users, count = {}, 0
  for i = 1, #infos do
    local ok, info = pcall(cjson.decode, infos[i])
    local user = ok and type(info) == 'table' and info.user or nil
    if user ~= nil and users[user] == nil then
      users[user] = true
      count = count + 1
    end
  end
  return {#infos, count}
end
return redis.call('hgetall', KEYS[1])
`,
);
