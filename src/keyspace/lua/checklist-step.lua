-- One checklist step's state change, atomic so two replicas ticking at once both count.
-- KEYS[1] the steps hash, KEYS[2] the checklist version counter.
-- ARGV[1] step id, ARGV[2] the new state (done / in_progress / skipped), ARGV[3] the step as JSON,
-- ARGV[4] retention seconds.
-- A done step stays done; in_progress only follows pending; skipped only follows pending or
-- in_progress. Returns {1, version} when changed, {0, previous JSON or ''} when not.
local current = redis.call('HGET', KEYS[1], ARGV[1])
local state = 'pending'
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and decoded.state then state = decoded.state end
end
local next = ARGV[2]
local allowed = false
if next == 'done' then allowed = state ~= 'done'
elseif next == 'in_progress' then allowed = state == 'pending'
elseif next == 'skipped' then allowed = state == 'pending' or state == 'in_progress'
end
if not allowed then return {0, current or ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local version = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {1, version}
