-- bench/submit.lua — wrk script for case submissions (POST /api/v1/cases).
--
-- Run with as many threads as connections (wrk -t32 -c32 ...): each thread
-- owns one connection, and each thread takes its own line of the sessions file
-- (env TB_BENCH_SESSIONS), so every connection submits as its own citizen with
-- its own cookie / CSRF token pair. A line is: cookie <TAB> csrf <TAB> JSON body.
--
-- Prints at the end:  SUBMIT created=N other=M duration_us=D
-- and the first non-201 answer, if any.

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
  assert(#lines > 0, "no sessions in " .. path)
  local l = lines[((tid - 1) % #lines) + 1]
  local cookie, csrf, body = l:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  assert(body, "bad sessions line")
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
    other = other + 1
    if first_err == "" then
      first_err = tostring(status) .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local c, o, e = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    local fe = t:get("first_err")
    if e == "" and fe and fe ~= "" then e = fe end
  end
  io.write(string.format("SUBMIT created=%d other=%d duration_us=%d p99_us=%d\n",
    c, o, summary.duration, latency:percentile(99)))
  if e ~= "" then
    io.write("SUBMIT first_error=" .. string.gsub(e, "\n", " ") .. "\n")
  end
end
