-- One census page: SCAN, then per key TYPE, PTTL and (optionally) MEMORY USAGE, packed per key.
-- Arguments and reply: see PAGE_SCRIPT in census/walker.ts.
local call = redis.call
local pack = struct.pack
local page = call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local keys = page[2]
local samples = ARGV[4]
local memory = ARGV[5] == '1'
local codes = {string = 1, hash = 2, set = 3, zset = 4, list = 5, stream = 6}
local numbers = {}
for i = 1, #keys do
  local key = keys[i]
  local pttl = call('PTTL', key)
  local code = 0
  local bytes = -1
  if pttl ~= -2 then
    local kind = call('TYPE', key)['ok']
    if kind ~= 'none' then
      code = codes[kind] or 7
      if memory then
        bytes = call('MEMORY', 'USAGE', key, 'SAMPLES', samples)
        if not bytes then code = 0 end
      end
    end
  end
  numbers[i] = pack('<ddB', pttl, bytes or -1, code)
end
return {page[1], keys, table.concat(numbers)}
