/**
 * Lua functions of publication versions (`PublishOptions.version`), prepended to the publish
 * script's source. The version and its epoch live in the stream's meta hash (fields `v`, `ve`), so
 * they expire with the offset and epoch and survive `history_remove`, as in Centrifugo's Redis
 * engine (`broker_history_add_stream.lua`).
 *
 * `version_stale(meta, version, version_epoch)`: `"<offset>:<epoch>"`, the stream's top, when a
 * publish of `version` is stale: the meta holds a version not below it and `version_epoch` is empty
 * or the stored one; else false. `version` is the decimal text of a safe integer, `"0"` for none.
 *
 * `version_keep(meta, version, version_epoch)`: stores an accepted publish's version; a publish
 * without one leaves the stored one. The text is stored as given: Lua would print a number above
 * 10^14 in exponent form.
 */
export const VERSION_HELPERS = `
local function version_stale(meta, version, version_epoch)
  if version == '0' then return false end
  local stored = redis.call('hmget', meta, 'v', 've', 'o', 'e')
  if not stored[1] then return false end
  if version_epoch ~= '' and version_epoch ~= stored[2] then return false end
  if tonumber(version) > tonumber(stored[1]) then return false end
  return stored[3] .. ':' .. stored[4]
end

local function version_keep(meta, version, version_epoch)
  if version ~= '0' then redis.call('hset', meta, 'v', version, 've', version_epoch) end
end
`;
