-- bench/booking.lua — wrk script for booking attempts (POST /api/v1/bookings).
--
-- Every request books a different person (a valid 18-digit ID number made
-- here, unique per thread and request) for a family member of a signed-in
-- citizen, into one of the slots listed in the state file (one slot: the
-- popular-slot scenario; many: a random one each time, the spread scenario).
--
-- State file (env TB_BENCH_BOOKING, written by bench/booking_prepare.py):
--   H <TAB> hall_id <TAB> matter_code
--   S <TAB> day <TAB> start            (one line per slot)
--   C <TAB> cookie <TAB> csrf          (one line per citizen session)
-- Each wrk thread takes every n-th session line (n = env TB_BENCH_THREADS, the
-- -t given to wrk) and rotates through them.
--
-- Prints at the end:
--   BOOKING created=N full=F other=O duration_us=D p99_us=P
-- and the first answer that was neither 201 nor 409 BOOKING_SLOT_FULL.

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")
setup = lib.setup

local W = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local CHECK = "10X98765432"

local function id_number(first17)
  local s = 0
  for i = 1, 17 do
    s = s + tonumber(first17:sub(i, i)) * W[i]
  end
  local k = s % 11 + 1
  return first17 .. CHECK:sub(k, k)
end

-- 1970-01-02 noon (local time) plus whole days: births up to 2013 for 8 threads
local BIRTH0 = os.time({year = 1970, month = 1, day = 2, hour = 12})

function init(args)
  local path = os.getenv("TB_BENCH_BOOKING")
  assert(path, "TB_BENCH_BOOKING not set")
  local sessions, slots = {}, {}
  for line in io.lines(path) do
    local kind, a, b = line:match("^(%a)\t([^\t]*)\t(.*)$")
    if kind == "H" then
      hall, matter = a, b
    elseif kind == "S" then
      slots[#slots + 1] = {a, b}
    elseif kind == "C" then
      sessions[#sessions + 1] = {a, b}
    end
  end
  assert(hall and #slots > 0 and #sessions > 0, "bad state file " .. path)
  -- the thread's own Lua state does not see the others: their number comes by env
  local nthreads = tonumber(os.getenv("TB_BENCH_THREADS") or "1")
  mine = {}
  for i = tid, #sessions, nthreads do
    mine[#mine + 1] = sessions[i]
  end
  if #mine == 0 then mine = {sessions[((tid - 1) % #sessions) + 1]} end
  myslots = slots
  math.randomseed(tid * 7919 + os.time())
  seq = 0
  created, full, other = 0, 0, 0
  first_err = ""
end

function request()
  seq = seq + 1
  local day = (tid - 1) * 2000 + math.floor(seq / 1000)
  local birth = os.date("%Y%m%d", BIRTH0 + day * 86400)
  local idn = id_number(string.format("230102%s%03d", birth, seq % 1000))
  local s = myslots[#myslots == 1 and 1 or math.random(#myslots)]
  local sess = mine[(seq % #mine) + 1]
  local body = string.format(
    '{"hall_id":%s,"matter_code":"%s","day":"%s","start":"%s","name":"王预约","id_number":"%s"}',
    hall, matter, s[1], s[2], idn)
  return wrk.format("POST", "/api/v1/bookings", {
    ["Cookie"] = sess[1],
    ["X-CSRF-Token"] = sess[2],
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 409 and body and body:find("BOOKING_SLOT_FULL", 1, true) then
    full = full + 1
  else
    lib.unexpected(status, body)
  end
end

function done(summary, latency, requests)
  lib.report("BOOKING", {"created", "full", "other"}, summary, latency)
end
