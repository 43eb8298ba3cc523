-- Sets KEYS[1] to ARGV[2] (expiring in ARGV[3] s) only while it still holds ARGV[1] ('' = absent);
-- returns 1, else 0.
local cur = redis.call('GET', KEYS[1])
if (cur or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
