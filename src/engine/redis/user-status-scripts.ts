/**
 * The user status scripts (see `../user-status.ts` and docs/user-events.md). Every key lives under
 * one Redis Cluster hash tag, `{<prefix>:users}`, so each script touches a single slot; the sets of
 * the nodes' users (`…:nodeusers:<node>`) are named from a prefix in ARGV[1], in the same slot.
 *
 * KEYS of every script, in this order (`USER_STATUS_KEYS`):
 * 1 `count`    hash user → number of nodes holding the user (absent: none)
 * 2 `version`  hash user → version of the user's last event
 * 3 `due`      zset user → when the offline event is due (users with no node, within the debounce)
 * 4 `nodes`    zset node → lease expiry
 * 5 `events`   stream of events not delivered yet: type, user, version, time, node
 * 6 `left`     hash user → `<ms>:<node>` of the last detach (for the offline event)
 * 7 `lock`     string: the dispatcher's node
 * 8 `cursor`   string: id of the last delivered event
 * 9 `swept`    string: when the last sweep ran
 * Times are the server's `TIME` in ms, so every node uses one clock.
 */
import { LuaScript } from './lua-script.js';

const PRELUDE = `
local K_COUNT, K_VERSION, K_DUE, K_NODES, K_EVENTS, K_LEFT, K_LOCK, K_CURSOR, K_SWEPT =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local SET_PREFIX = ARGV[1]
local BATCH = 200
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local emitted = 0
local function emit(kind, user, at, node)
  emitted = emitted + 1
  local v = redis.call('hincrby', K_VERSION, user, 1)
  redis.call('xadd', K_EVENTS, '*', 'type', kind, 'user', user, 'version', v, 'time', at, 'node', node)
end

-- The user is on one more node; the first node makes them online, unless they were within the
-- debounce of their offline event: then that event is cancelled and nothing is emitted.
local function attach(node, user)
  if redis.call('sadd', SET_PREFIX .. node, user) == 0 then return end
  if redis.call('hincrby', K_COUNT, user, 1) ~= 1 then return end
  if redis.call('zrem', K_DUE, user) == 1 then
    redis.call('hdel', K_LEFT, user)
    return
  end
  emit('online', user, now, node)
end

-- The user, already taken out of the node's set, is on one node fewer; with none left their
-- offline event is due after the debounce.
local function release(node, user, debounce)
  if redis.call('hincrby', K_COUNT, user, -1) > 0 then return end
  redis.call('hdel', K_COUNT, user)
  redis.call('zadd', K_DUE, now + debounce, user)
  redis.call('hset', K_LEFT, user, now .. ':' .. node)
end

local function detach(node, user, debounce)
  if redis.call('srem', SET_PREFIX .. node, user) == 1 then release(node, user, debounce) end
end

-- Renews the node's lease; 1 when it was missing or had run out (a sweep may have taken users).
local function lease(node, ttl)
  local score = redis.call('zscore', K_NODES, node)
  redis.call('zadd', K_NODES, now + ttl, node)
  if (not score) or tonumber(score) <= now then return 1 end
  return 0
end
`;

/**
 * ARGV: set prefix, node, debounce ms, lease ttl ms, number of users to attach, then the users to
 * attach, then those to detach. Returns {1 when the lease was missing or had run out, online events}.
 */
export const userApplyScript = new LuaScript(
  'user status apply',
  `${PRELUDE}
local node, debounce = ARGV[2], tonumber(ARGV[3])
local lost = lease(node, tonumber(ARGV[4]))
local attaching = tonumber(ARGV[5])
for i = 6, 5 + attaching do attach(node, ARGV[i]) end
for i = 6 + attaching, #ARGV do detach(node, ARGV[i], debounce) end
return {lost, emitted}
`,
);

/** ARGV: set prefix, node, lease ttl ms. */
export const userRenewScript = new LuaScript(
  'user status renew',
  `${PRELUDE}
return lease(ARGV[2], tonumber(ARGV[3]))
`,
);

/** ARGV: set prefix, node, debounce ms. Detaches up to a batch of the node's users; 1 while some remain. */
export const userLeaveScript = new LuaScript(
  'user status leave',
  `${PRELUDE}
local node, debounce = ARGV[2], tonumber(ARGV[3])
local set = SET_PREFIX .. node
local users = redis.call('spop', set, BATCH)
for i = 1, #users do release(node, users[i], debounce) end
if redis.call('scard', set) > 0 then return 1 end
redis.call('zrem', K_NODES, node)
return 0
`,
);

/**
 * ARGV: set prefix, sweeping node, debounce ms, lease ttl ms. One batch of a dead node's users (a
 * node whose lease ran out; checked in this script, so a node that renewed meanwhile keeps its
 * users), then one batch of due offline events. Returns {1 when work is left, offline events}.
 *
 * When nobody swept for longer than a lease (Redis was unreachable, or every node was down), no
 * node could renew either: every lease is extended by one ttl from now instead of being taken as
 * dead, so an outage of Redis alone makes no user offline.
 */
export const userSweepScript = new LuaScript(
  'user status sweep',
  `${PRELUDE}
local node, debounce, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local last = tonumber(redis.call('get', K_SWEPT) or '0')
redis.call('set', K_SWEPT, now)
if last > 0 and now - last > ttl then
  local all = redis.call('zrange', K_NODES, 0, -1)
  for i = 1, #all do redis.call('zadd', K_NODES, 'GT', now + ttl, all[i]) end
  return {1, 0}
end
local more = 0
local dead = redis.call('zrangebyscore', K_NODES, '-inf', '(' .. now, 'LIMIT', 0, 1)
if #dead > 0 then
  local gone = dead[1]
  local set = SET_PREFIX .. gone
  local users = redis.call('spop', set, BATCH)
  for i = 1, #users do release(gone, users[i], debounce) end
  if redis.call('scard', set) == 0 then redis.call('zrem', K_NODES, gone) end
  more = 1
end
local due = redis.call('zrangebyscore', K_DUE, '-inf', now, 'LIMIT', 0, BATCH)
for i = 1, #due do
  local user = due[i]
  redis.call('zrem', K_DUE, user)
  if redis.call('hexists', K_COUNT, user) == 0 then
    local at, by = now, node
    local left = redis.call('hget', K_LEFT, user)
    if left then
      local sep = string.find(left, ':', 1, true)
      at = tonumber(string.sub(left, 1, sep - 1))
      by = string.sub(left, sep + 1)
      redis.call('hdel', K_LEFT, user)
    end
    emit('offline', user, at, by)
  end
end
if #due == BATCH then more = 1 end
return {more, emitted}
`,
);

/** ARGV: set prefix, owner, ttl ms. 1 when the owner holds the lock (taken or renewed). */
export const userLockScript = new LuaScript(
  'user status lock',
  `${PRELUDE}
local holder = redis.call('get', K_LOCK)
if holder == ARGV[2] then
  redis.call('pexpire', K_LOCK, ARGV[3])
  return 1
end
if holder then return 0 end
redis.call('set', K_LOCK, ARGV[2], 'PX', ARGV[3])
return 1
`,
);

/** ARGV: set prefix, owner. */
export const userUnlockScript = new LuaScript(
  'user status unlock',
  `${PRELUDE}
if redis.call('get', K_LOCK) == ARGV[2] then redis.call('del', K_LOCK) end
return 0
`,
);

/** ARGV: set prefix, owner, expected cursor ('' before any), delivered event id. 1 when advanced. */
export const userAdvanceScript = new LuaScript(
  'user status advance',
  `${PRELUDE}
if redis.call('get', K_LOCK) ~= ARGV[2] then return 0 end
if (redis.call('get', K_CURSOR) or '') ~= ARGV[3] then return 0 end
redis.call('set', K_CURSOR, ARGV[4])
redis.call('xdel', K_EVENTS, ARGV[4])
return 1
`,
);
