-- bench/submit.lua — wrk script for case submissions (POST /api/v1/cases).
--
-- Run with as many threads as connections (wrk -t32 -c32 ...): each thread
-- owns one connection, and each thread takes its own line of the sessions file
-- (env TB_BENCH_SESSIONS), so every connection submits as its own citizen with
-- its own cookie / CSRF token pair. A line is: cookie <TAB> csrf <TAB> JSON body.
--
-- Prints at the end:  SUBMIT created=N other=M duration_us=D
-- and the first non-201 answer, if any.

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")
setup = lib.setup

function init(args)
  local cookie, csrf, body = lib.my_session("TB_BENCH_SESSIONS")
  req = wrk.format("POST", "/api/v1/cases", {
    ["Cookie"] = cookie,
    ["X-CSRF-Token"] = csrf,
    ["Content-Type"] = "application/json",
  }, body)
  created = 0
  other = 0
  first_err = ""
end

function request()
  return req
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    lib.unexpected(status, body)
  end
end

function done(summary, latency, requests)
  lib.report("SUBMIT", {"created", "other"}, summary, latency)
end
