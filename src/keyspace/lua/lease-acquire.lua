-- Takes the lease KEYS[1] for owner ARGV[1]: writes ARGV[2] (a JSON object whose `owner` is ARGV[1])
-- expiring in ARGV[3] ms when the key is free; when the same owner already holds it (a resumed run),
-- extends it as it is. Returns the value held afterwards: ours, or the other owner's.
local current = redis.call('GET', KEYS[1])
if current then
  local ok, held = pcall(cjson.decode, current)
  if ok and type(held) == 'table' and held.owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
  end
  return current
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return ARGV[2]
