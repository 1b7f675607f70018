-- bench/complete.lua — wrk script for task completions (受理 of a case,
-- POST /api/v1/work/cases/{serial}/actions) by many officers at once.
--
-- Run with as many threads as connections (wrk -t32 -c32 ...): each thread is
-- one officer, with its own cookie / CSRF pair and its own list of cases from
-- the sessions file (env TB_BENCH_SESSIONS): cookie <TAB> csrf <TAB> serial,serial,...
-- Each request accepts the next case of the thread's list, so every
-- completion is a real flow transition (受理 task completed, 审批 task created).
-- Prints at the end:  COMPLETE ok=N other=M duration_us=D p99_us=P

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")
setup = lib.setup

function init(args)
  local list
  cookie, csrf, list = lib.my_session("TB_BENCH_SESSIONS")
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
    lib.unexpected(status, body)
  end
end

function done(summary, latency, requests)
  lib.report("COMPLETE", {"ok", "other"}, summary, latency)
end
