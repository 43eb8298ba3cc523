-- Sets KEYS[1] to ARGV[2] (expiring in ARGV[3] seconds) only while it holds ARGV[1] ('' = absent);
-- returns 1 when written, else 0.
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
