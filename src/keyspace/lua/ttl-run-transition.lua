-- Compare-and-set of a TTL run's status: ARGV[1] the allowed current statuses (comma-separated),
-- ARGV[2] the new one, ARGV[3] by, ARGV[4] at, ARGV[5] the record's TTL (s). Returns 'OK', the status
-- found, or '' when there is no record.
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return '' end
for from in string.gmatch(ARGV[1], '[^,]+') do
  if from == s then
    redis.call('HSET', KEYS[1], 'status', ARGV[2], 'by', ARGV[3], 'at', ARGV[4])
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return 'OK'
  end
end
return s
