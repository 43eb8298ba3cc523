-- Deletes KEYS[1] and KEYS[2] only while KEYS[1] still holds ARGV[1]; returns how many were deleted.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1], KEYS[2]) end
return 0
