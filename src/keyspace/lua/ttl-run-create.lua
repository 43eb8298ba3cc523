-- Creates a TTL run's record (ARGV[2..] field/value pairs, ARGV[1] its TTL in s) unless it exists;
-- returns the status found, or '' when created.
local s = redis.call('HGET', KEYS[1], 'status')
if s then return s end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return ''
