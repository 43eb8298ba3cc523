-- Adds one history sample to the sorted set KEYS[1] and keeps the set bounded, in one step:
-- ARGV[1] at (score), ARGV[2] member, ARGV[3] retention cutoff (older points go),
-- ARGV[4] / ARGV[5] the window being thinned [from, to), ARGV[6] the coarse step in ms (one point
-- per step is kept there: the first of each), ARGV[7] the key's expiry in ms.
-- A point at the same time as the new one is replaced (a tick run twice keeps one point).
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local step = tonumber(ARGV[6])
-- Start one step early, so the point already kept for the window's first bucket is seen.
local from = tonumber(ARGV[4]) - step
local points = redis.call('ZRANGEBYSCORE', KEYS[1], from, '(' .. ARGV[5], 'WITHSCORES')
local last = nil
for i = 1, #points, 2 do
  local bucket = math.floor(tonumber(points[i + 1]) / step)
  if bucket == last then redis.call('ZREM', KEYS[1], points[i]) else last = bucket end
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return 1
