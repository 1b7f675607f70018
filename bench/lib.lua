-- bench/lib.lua — what the wrk scripts of bench/ share (submit, complete, booking, messages):
-- the threads kept by setup() for done(), the count of unexpected answers with the first one
-- kept, the summary lines printed by done(), and a thread's line of a sessions file.
--
-- A script loads it from its own folder, so that wrk may be started from any directory:
--   local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")
--   setup = lib.setup
-- (wrk runs the script once for setup()/done() and once per thread for init()/request()/
-- response(), each in a Lua state of its own; every one of them loads this file.)

local lib = {}
local threads = {}
lib.threads = threads

-- setup(thread) of wrk: numbers the threads (global `tid` in each, from 1) and keeps them for done().
function lib.setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- In init(): this thread's line  cookie <TAB> csrf <TAB> rest  of the sessions file named by the
-- environment variable `env`, as three strings (empty lines skipped; threads beyond the number of
-- lines start again from the first).
function lib.my_session(env)
  local path = os.getenv(env)
  assert(path, env .. " not set")
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then lines[#lines + 1] = line end
  end
  assert(#lines > 0, "no sessions in " .. path)
  local cookie, csrf, rest = lines[((tid - 1) % #lines) + 1]:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  assert(rest, "bad sessions line")
  return cookie, csrf, rest
end

-- In response(): an answer counted as neither success nor an expected refusal. Counts it in the
-- thread's global `other` and keeps the first one in `first_err` (both set to 0 and "" by init()).
function lib.unexpected(status, body)
  other = other + 1
  if first_err == "" then
    first_err = tostring(status) .. " " .. string.sub(body or "", 1, 200)
  end
end

-- In done(): prints
--   TAG name=N ... [extra=K ...] duration_us=D p99_us=P
-- with N the sum over the threads of each counter named in `counters` (a thread global), `extra`
-- a list of {name, value} pairs printed as they are, and then, when a thread kept one,
--   TAG first_error=<status> <start of the body>
function lib.report(tag, counters, summary, latency, extra)
  local sums, e = {}, ""
  for i = 1, #counters do sums[i] = 0 end
  for _, t in ipairs(threads) do
    for i, name in ipairs(counters) do sums[i] = sums[i] + t:get(name) end
    local fe = t:get("first_err")
    if e == "" and fe and fe ~= "" then e = fe end
  end
  local parts = {tag}
  for i, name in ipairs(counters) do parts[#parts + 1] = string.format("%s=%d", name, sums[i]) end
  for _, kv in ipairs(extra or {}) do parts[#parts + 1] = string.format("%s=%d", kv[1], kv[2]) end
  parts[#parts + 1] = string.format("duration_us=%d p99_us=%d", summary.duration, latency:percentile(99))
  io.write(table.concat(parts, " ") .. "\n")
  if e ~= "" then
    io.write(tag .. " first_error=" .. string.gsub(e, "\n", " ") .. "\n")
  end
end

return lib
