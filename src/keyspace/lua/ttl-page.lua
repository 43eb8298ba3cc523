-- One TTL remediation page: per key PTTL, then PEXPIREAT when the rule says so, atomically.
-- Arguments and reply: see TTL_PAGE_SCRIPT in remediation/engine.ts.

-- Before 7.0 (no PEXPIRETIME) expiry = TIME + PTTL reads low by the script's run time up to the PTTL.
local PTTL_TOLERANCE_MS = 50
if redis.replicate_commands then redis.replicate_commands() end
local call = redis.call
local mode = ARGV[1]
local cap = tonumber(ARGV[2])
local lo = tonumber(ARGV[3])
local hi = tonumber(ARGV[4])
local v7 = ARGV[5] == '1'
local minms = tonumber(ARGV[6])
local space = tonumber(ARGV[7])
local tol = tonumber(ARGV[8])
if not v7 then tol = tol + PTTL_TOLERANCE_MS end
local t = call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local changed, replayed, skipped, vanished = 0, 0, 0, 0
local codes = {}
local function mod(a)
  local r = a % space
  if r < 0 then r = r + space elseif r >= space then r = r - space end
  return r
end
local function settled(key, mark, pttl)
  if pttl == -2 then return 'v' end
  if pttl < 0 or lo >= hi then return 's' end
  local exp
  if v7 then exp = call('PEXPIRETIME', key) else exp = now + pttl end
  if exp < lo + minms - tol or exp >= hi + minms + space - 1 + tol then return 's' end
  if mod(mark - exp) <= tol or mod(exp - mark) <= tol then return 'r' end
  return 's'
end
local unpack = struct.unpack
local blob = ARGV[9]
local pos = 1
local size = #blob
while pos <= size do
  local key, mark
  key, mark, pos = unpack('<I4c0Bc0', blob, pos)
  mark = tonumber(mark)
  local at = now + minms + mod(mark - now - minms)
  local code
  if mode == 's' and v7 then
    -- One call in the common case: NX sets only where there is no TTL.
    if call('PEXPIREAT', key, at, 'NX') == 1 then
      code = 'c'
    else
      code = settled(key, mark, call('PTTL', key))
    end
  else
    local pttl = call('PTTL', key)
    if pttl == -2 then
      code = 'v'
    elseif (pttl == -1 and mode ~= 'c') or (mode ~= 's' and pttl > cap) then
      call('PEXPIREAT', key, at)
      code = 'c'
    else
      code = settled(key, mark, pttl)
    end
  end
  codes[#codes + 1] = code
  if code == 'c' then changed = changed + 1
  elseif code == 'r' then replayed = replayed + 1
  elseif code == 's' then skipped = skipped + 1
  else vanished = vanished + 1 end
end
return {tostring(now), changed, replayed, skipped, vanished, table.concat(codes)}
