-- Sets KEYS[1]'s TTL to ARGV[2] milliseconds only while it holds ARGV[1]; returns 1, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
