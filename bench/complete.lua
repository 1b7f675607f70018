-- bench/complete.lua — wrk script for task completions (受理 of a case,
-- POST /api/v1/work/cases/{serial}/actions) by many officers at once.
--
-- Run with as many threads as connections (wrk -t32 -c32 ...): each thread is
-- one officer, with its own cookie / CSRF pair and its own list of cases from
-- the sessions file (env TB_BENCH_SESSIONS): cookie <TAB> csrf <TAB> serial,serial,...
-- Each request accepts the next case of the thread's list, so every
-- completion is a real flow transition (受理 task completed, 审批 task created).
-- Prints at the end:  COMPLETE ok=N other=M duration_us=D p99_us=P

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("TB_BENCH_SESSIONS")
  assert(path, "TB_BENCH_SESSIONS not set")
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then lines[#lines + 1] = line end
  end
  local l = lines[((tid - 1) % #lines) + 1]
  local c, x, list = l:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  assert(list, "bad sessions line")
  cookie, csrf = c, x
  serials = {}
  for s in list:gmatch("[^,]+") do serials[#serials + 1] = s end
  next_i = 1
  ok = 0
  other = 0
  first_err = ""
end

function request()
  local s = serials[next_i]
  if not s then -- list exhausted: a cheap read keeps the connection honest
    return wrk.format("GET", "/healthz")
  end
  next_i = next_i + 1
  return wrk.format("POST", "/api/v1/work/cases/" .. s .. "/actions", {
    ["Cookie"] = cookie,
    ["X-CSRF-Token"] = csrf,
    ["Content-Type"] = "application/json",
  }, '{"action":"accept"}')
end

function response(status, headers, body)
  if status == 200 and body and body:find('"accepted"', 1, true) then
    ok = ok + 1
  elseif not (body and body:find('"status":"ok"', 1, true)) then
    other = other + 1
    if first_err == "" then
      first_err = tostring(status) .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local c, o, e = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("ok")
    o = o + t:get("other")
    local fe = t:get("first_err")
    if e == "" and fe and fe ~= "" then e = fe end
  end
  io.write(string.format("COMPLETE ok=%d other=%d duration_us=%d p99_us=%d\n",
    c, o, summary.duration, latency:percentile(99)))
  if e ~= "" then
    io.write("COMPLETE first_error=" .. string.gsub(e, "\n", " ") .. "\n")
  end
end
