-- Closes an incident once: KEYS[1] the incident hash, KEYS[2] the (cluster, channel) open pointer,
-- KEYS[3] the checklist version counter. ARGV[1] incident id, ARGV[2] closed by, ARGV[3] closed at,
-- ARGV[4] resolution. The pointer is dropped only while it still names this incident.
-- Returns 1 when this call closed it, 0 when it was closed already or is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'closedAt') then return 0 end
redis.call('HSET', KEYS[1], 'closedBy', ARGV[2], 'closedAt', ARGV[3], 'resolution', ARGV[4])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('INCR', KEYS[3])
return 1
