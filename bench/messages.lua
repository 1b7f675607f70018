-- bench/messages.lua — wrk script for the message center's send API (bench/run.sh (h)).
--
-- Every request is a pre-signed line of the state file (env TB_BENCH_MESSAGES, written by
-- bench/messages_prepare.py: HMAC-SM3 is not available here):
--   A <TAB> app <TAB> path <TAB> messages per request      (first line)
--   R <TAB> timestamp <TAB> signature <TAB> body            (one line per request)
-- Each wrk thread takes every n-th request line (n = env TB_BENCH_THREADS, the -t given to wrk) and
-- sends them in order; when its lines run out it starts again (those answers are duplicates, 200,
-- counted apart: make the file long enough).
--
-- Prints at the end:
--   MSG accepted=N duplicate=D other=O per_request=K duration_us=U p99_us=P
-- (accepted: 202 answers) and the first answer that was neither 202 nor 200.

local lib = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "lib.lua")
setup = lib.setup

function init(args)
  local path = os.getenv("TB_BENCH_MESSAGES")
  assert(path, "TB_BENCH_MESSAGES not set")
  local nthreads = tonumber(os.getenv("TB_BENCH_THREADS") or "1")
  mine = {}
  local i = 0
  for line in io.lines(path) do
    local kind, a, b, c = line:match("^(%a)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if kind == "A" then
      app, target, per_request = a, b, tonumber(c)
    elseif kind == "R" then
      i = i + 1
      if (i - 1) % nthreads == tid - 1 then
        mine[#mine + 1] = wrk.format("POST", target, {
          ["Content-Type"] = "application/json",
          ["X-Tongban-App"] = app,
          ["X-Tongban-Timestamp"] = a,
          ["X-Tongban-Signature"] = b,
        }, c)
      end
    end
  end
  assert(app and #mine > 0, "bad state file " .. path)
  seq = 0
  accepted, duplicate, other = 0, 0, 0
  first_err = ""
end

function request()
  seq = seq + 1
  return mine[((seq - 1) % #mine) + 1]
end

function response(status, headers, body)
  if status == 202 then
    accepted = accepted + 1
  elseif status == 200 then
    duplicate = duplicate + 1
  else
    lib.unexpected(status, body)
  end
end

function done(summary, latency, requests)
  local k = 1
  for _, t in ipairs(lib.threads) do k = t:get("per_request") or k end
  lib.report("MSG", {"accepted", "duplicate", "other"}, summary, latency, {{"per_request", k}})
end
