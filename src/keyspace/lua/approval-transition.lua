-- Compare-and-set of an approval request's state: ARGV[1] the allowed current states (comma-separated),
-- ARGV[2] the new state, ARGV[3..] more field/value pairs. Returns 'OK', the state found, or ''.
local s = redis.call('HGET', KEYS[1], 'state')
if not s then return '' end
for from in string.gmatch(ARGV[1], '[^,]+') do
  if from == s then
    redis.call('HSET', KEYS[1], 'state', ARGV[2], unpack(ARGV, 3))
    return 'OK'
  end
end
return s
