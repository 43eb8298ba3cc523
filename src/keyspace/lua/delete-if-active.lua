-- Deletes KEYS[1] when it holds 'active:…' (and, with ARGV[1], exactly ARGV[1]); returns the old value.
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 7) == 'active:' and (ARGV[1] == '' or v == ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return v
end
return false
