#!/usr/bin/env bash
# bench/run.sh — Tongban benchmarks (called by `make bench`).
#
#  (a) GET /api/v1/matters/{code} with wrk -t2 -c64 -d10s --latency against
#      tongban (SQLite, seed data) and against nginx serving the identical bytes
#      from a file in the same run: both req/s, both p99, ratio (goal >= 0.5).
#  (b) case submissions/s with 32 concurrent clients (wrk -t32 -c32, each
#      connection its own citizen, bench/submit.lua) on SQLite and on
#      PostgreSQL (a throwaway cluster from scripts/pg.sh), each compared with
#      a plain single-row-insert loop on the same engine (SQLite: the C program
#      bench/ref_sqlite_insert.c, WAL, one transaction per insert; PostgreSQL:
#      pgbench -n -c 32 -T 10 with one INSERT per transaction).
#      Goal: >= 1,000 submissions/s on SQLite.
#  (c) tongban RSS (VmRSS) idle and after (a).
#  (g) booking attempts/s (POST /api/v1/bookings, bench/booking.lua) with 200
#      connections, each attempt a different person booked by one of 40
#      signed-in citizens for a family member, on SQLite and on PostgreSQL:
#      one popular slot (quota 20: 20 bookings, the rest "slot full") and
#      spread slots (a random open slot of a hall, quota raised to 100,000).
#      Reference: GET /api/v1/halls/{id}/slots (the read path of the same
#      page) on the same server with the same connections. The outcome is
#      checked in the database afterwards (bench/booking_prepare.py check:
#      counters equal rows, never over the quota). Goal: >= 2,000 attempts/s
#      on SQLite. Alone: `bench/run.sh booking` (or BENCH_ONLY=booking).
#  (h) message center: messages accepted/s through the signed send API of a
#      registered application (bench/messages.lua, requests pre-signed by
#      bench/messages_prepare.py: HMAC-SM3 is not available in wrk's Lua), one
#      message per request (POST /api/v1/msg/send) and batches of 100
#      (/api/v1/msg/send-batch), wrk -t2 -c64 / -c8, with sms_provider = sandbox
#      (delivered in the accepting transaction); p99; accept -> delivered
#      (delivered_at - created_at from the messages table). A second run with
#      sms_provider = http against bench/messages_mock.py (a local provider that
#      checks every signature): a burst of 10,000 messages, the worker's
#      dispatch rate while the queue drains and accept -> delivered. Reference:
#      the single-row INSERT loop of (b) (bench/ref_sqlite_insert.c) in the same
#      run. Goal: >= 5,000 messages/s on SQLite. Alone: `bench/run.sh messages`.
# Prints a Markdown table and writes it to bench/results/latest.md.
#
# Environment: TB_BIN (default build/tongban), BENCH_DURATION (default 10s),
# BENCH_MATTER (matter code for (a)), BENCH_SQLITE_SYNC (synchronous mode of
# the SQLite reference; default NORMAL, the server's default), BENCH_SKIP_PG=1,
# BENCH_SKIP_FULL=1 (skip the extra SQLite run with sqlite_synchronous = full),
# BENCH_KEEP=1 (keep the temp dir), BENCH_ONLY=booking (only (g); same as the
# argument `booking`), BENCH_ONLY=messages (only (h); the argument `messages`), BENCH_BOOKING_CONNECTIONS (default 200). Loopback only; the whole run takes about
# two minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TB_BIN=${TB_BIN:-$ROOT/build/tongban}
case "$TB_BIN" in /*) ;; *) TB_BIN="$ROOT/$TB_BIN" ;; esac
DUR=${BENCH_DURATION:-10s}
DUR_S=${DUR%s}
MATTER=${BENCH_MATTER:-11230000MB1917443F000117004000}
SQLITE_SYNC=${BENCH_SQLITE_SYNC:-NORMAL}
PY=/usr/bin/python3
CLIENTS=32
REGIONS="$(dirname "$TB_BIN")/regions.json"
[ -f "$REGIONS" ] || REGIONS="$ROOT/build/regions.json"

for t in wrk nginx curl gcc "$PY"; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install wrk nginx-light curl gcc python3-requests)" >&2; exit 1; }
done
[ -x "$TB_BIN" ] || { echo "bench: $TB_BIN not found; run make build first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tongban-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
PGDIR=""
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "$PGDIR" ] && "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

log() { echo "bench: $*" >&2; }

free_port() { "$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# start_tb NAME DATABASE PORT  -> sets TB_PID
start_tb() {
  local name=$1 db=$2 port=$3 dir="$WORK/$1"
  mkdir -p "$dir/data"
  export TONGBAN_LISTEN=127.0.0.1:$port TONGBAN_DATABASE=$db TONGBAN_DATA_DIR=$dir/data \
         TONGBAN_WEB_ROOT=$ROOT/web/dist TONGBAN_SMS_PROVIDER=${TB_SMS_PROVIDER:-sandbox} TONGBAN_SEED_DIR=$ROOT/seed \
         TONGBAN_REGIONS_FILE=$REGIONS TONGBAN_SQLITE_SYNCHRONOUS=${TB_SYNC:-normal}
  unset TONGBAN_CONFIG
  (cd "$dir" && "$TB_BIN" migrate >"$dir/migrate.log" 2>&1) || { cat "$dir/migrate.log" >&2; exit 1; }
  (cd "$dir" && "$TB_BIN" seed >"$dir/seed.log" 2>&1) || { cat "$dir/seed.log" >&2; exit 1; }
  (cd "$dir" && exec "$TB_BIN" serve >/dev/null 2>"$dir/stderr.log") &
  TB_PID=$!
  PIDS+=("$TB_PID")
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$TB_PID" 2>/dev/null || { tail -n 30 "$dir/stderr.log" >&2; echo "bench: tongban exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "bench: tongban ($name) not ready after 30 s" >&2; tail -n 30 "$dir/stderr.log" >&2; exit 1
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# (d) task completions: NAME PORT -> "rate p99_ms first_error"
# 32 officers of 道里分局 each accept their own share of WORK_CASES cases.
WORK_CASES=${BENCH_WORK_CASES:-8000}
complete_bench() {
  "$PY" "$ROOT/bench/work_prepare.py" "http://127.0.0.1:$2" "$TB_BIN" "$CLIENTS" "$WORK_CASES" \
    "$WORK/officers_$1.txt" >&2
  TB_BENCH_SESSIONS="$WORK/officers_$1.txt" wrk -t$CLIENTS -c$CLIENTS -d"$DUR" --latency \
    -s "$ROOT/bench/complete.lua" "http://127.0.0.1:$2" >"$WORK/wrk_complete_$1.txt"
  "$PY" "$ROOT/bench/parse_complete.py" "$WORK/wrk_complete_$1.txt"
}

# wrk output -> "rps p99_ms non2xx"
parse_wrk() {
  "$PY" - "$1" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
err = re.search(r"Socket errors:.*", t)
ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else float("nan")
print(f"{float(rps.group(1)) if rps else 0:.0f} {ms:.2f} {non.group(1) if non else 0}")
EOF
}

# ------------------------------------------------------------------ (g) booking attempts: functions
BOOK_CONN=${BENCH_BOOKING_CONNECTIONS:-200}
BOOK_THREADS=4
BOOK_CITIZENS=40

# wrk output of booking.lua -> "attempts_per_s p99_ms created full other first_error"
booking_rate() {
  "$PY" - "$1" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"BOOKING created=(\d+) full=(\d+) other=(\d+) duration_us=(\d+) p99_us=(\d+)", t)
e = re.search(r"BOOKING first_error=(.*)", t)
if not m:
    print("0 nan 0 0 0 -"); sys.exit()
c, f, o, d, p = map(int, m.groups())
print(f"{(c + f + o) / (d / 1e6):.0f} {p / 1000:.2f} {c} {f} {o} {(e.group(1)[:120] if e else '-').replace(' ', '_')}")
EOF
}

# booking_bench NAME DATABASE: a tongban of its own (booking_max_active large), both
# scenarios, the reference, the checks. Sets the BK_<NAME>_* variables.
booking_bench() {
  local name=$1 db=$2 port url pid sc rate p99 created full other first chk hall matter rps rp99 non
  port=$(free_port)
  url="http://127.0.0.1:$port"
  TONGBAN_BOOKING_MAX_ACTIVE=1000000 start_tb "booking_$name" "$db" "$port"
  pid=$TB_PID
  for sc in popular spread; do
    log "(g) booking, $name, $sc: preparing $BOOK_CITIZENS citizens"
    "$PY" "$ROOT/bench/booking_prepare.py" prepare "$url" "$TB_BIN" "$sc" "$BOOK_CITIZENS" "$WORK/book_${sc}_$name.txt"
    log "(g) booking, $name, $sc: wrk -t$BOOK_THREADS -c$BOOK_CONN -d$DUR"
    TB_BENCH_BOOKING="$WORK/book_${sc}_$name.txt" TB_BENCH_THREADS=$BOOK_THREADS \
      wrk -t$BOOK_THREADS -c"$BOOK_CONN" -d"$DUR" --latency -s "$ROOT/bench/booking.lua" "$url" \
      >"$WORK/wrk_book_${sc}_$name.txt"
    read -r rate p99 created full other first <<<"$(booking_rate "$WORK/wrk_book_${sc}_$name.txt")"
    chk=$("$PY" "$ROOT/bench/booking_prepare.py" check "$url" "$db" "$sc" "$WORK/book_${sc}_$name.txt" \
      "$WORK/wrk_book_${sc}_$name.txt" 2>&1 | tail -n 1 || true)
    log "(g) $name $sc: $rate attempts/s, $created booked, $full full, $other other; $chk"
    printf -v "BK_${name}_${sc}" '%s' "$rate|$p99|$created|$full|$other|$first|$chk"
  done
  read -r hall matter < <(awk -F'\t' '$1 == "H" {print $2, $3; exit}' "$WORK/book_spread_$name.txt")
  log "(g) booking, $name: reference GET /api/v1/halls/$hall/slots"
  wrk -t$BOOK_THREADS -c"$BOOK_CONN" -d2s "$url/api/v1/halls/$hall/slots?matter=$matter" >/dev/null
  wrk -t$BOOK_THREADS -c"$BOOK_CONN" -d"$DUR" --latency "$url/api/v1/halls/$hall/slots?matter=$matter" \
    >"$WORK/wrk_book_ref_$name.txt"
  read -r rps rp99 non <<<"$(parse_wrk "$WORK/wrk_book_ref_$name.txt")"
  printf -v "BK_${name}_ref" '%s' "$rps|$rp99|$non"
  stop_pid "$pid"
}

# a fresh database for the booking run in the cluster of the URL given
booking_pg_db() {
  PGOPTIONS='-c client_min_messages=warning' /usr/lib/postgresql/15/bin/psql -X -q -v ON_ERROR_STOP=1 "$1" \
    -c "DROP DATABASE IF EXISTS tongban_booking" -c "CREATE DATABASE tongban_booking" >&2
  echo "${1%/*}/tongban_booking"
}

BK_RAN=""
booking_run() {
  log "(g) booking attempts on SQLite"
  booking_bench sqlite "$WORK/booking_sqlite/tongban.db"
  BK_RAN="sqlite"
  if [ -z "${REF_SQ:-}" ]; then
    log "(g) reference for the write path: single-row INSERT loop on SQLite (WAL, synchronous=$SQLITE_SYNC)"
    gcc -O2 -o "$WORK/ref_sqlite_insert" "$ROOT/bench/ref_sqlite_insert.c" -lsqlite3
    "$WORK/ref_sqlite_insert" "$WORK/booking_sqlite/ref.db" "$DUR_S" "$SQLITE_SYNC" >"$WORK/ref_sqlite_booking.txt"
    REF_SQ=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' "$WORK/ref_sqlite_booking.txt" | awk '{printf "%.0f", $1}')
  fi
  if [ "${BENCH_SKIP_PG:-0}" != 1 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    if [ -z "${PG_URL:-}" ]; then
      log "(g) starting a throwaway PostgreSQL 15"
      PGDIR="$WORK/pg"
      PG_URL=$("$ROOT/scripts/pg.sh" start "$PGDIR" "$(free_port)")
    fi
    log "(g) booking attempts on PostgreSQL"
    booking_bench pg "$(booking_pg_db "$PG_URL")"
    BK_RAN="sqlite pg"
  fi
}

# Markdown rows of (g)
booking_rows() {
  local eng label sc v what rate p99 created full other first chk ref rps rp99 non goal
  for eng in $BK_RAN; do
    label=SQLite; [ "$eng" = pg ] && label="PostgreSQL 15"
    ref="BK_${eng}_ref"; IFS='|' read -r rps rp99 non <<<"${!ref}"
    for sc in popular spread; do
      v="BK_${eng}_${sc}"
      IFS='|' read -r rate p99 created full other first chk <<<"${!v}"
      goal=""; [ "$eng" = sqlite ] && goal="≥ 2,000/s: $(verdict "$rate" 2000)"
      if [ "$sc" = popular ]; then what="one popular slot (quota 20)"; else what="spread slots (quota 100,000)"; fi
      local insref="" insratio=""
      if [ "$eng" = sqlite ] && [ "$sc" = spread ] && [ -n "${REF_SQ:-}" ]; then
        insref="; single-row INSERT loop, WAL, synchronous=$SQLITE_SYNC: $REF_SQ/s"
        insratio=" (INSERT loop: $(ratio "$rate" "$REF_SQ"))"
      fi
      echo "| (g) booking attempts/s, $label, $what, $BOOK_CONN connections, $DUR | $rate (p99 $p99 ms; 201: $created, slot full: $full, other: $other; ${chk:-no check}) | GET \`/api/v1/halls/{id}/slots\`, same server and connections: $rps req/s (p99 $rp99 ms)$insref | $(ratio "$rate" "$rps")$insratio | $goal |"
    done
  done
}

booking_notes() {
  local eng sc v rate p99 created full other first chk
  for eng in $BK_RAN; do
    for sc in popular spread; do
      v="BK_${eng}_${sc}"
      IFS='|' read -r rate p99 created full other first chk <<<"${!v}"
      [ "$first" != "-" ] && echo "First answer other than 201 / slot full in (g) $eng $sc: \`${first//_/ }\`"
      case "$chk" in "CHECK ok"*) ;; *) echo "**(g) $eng $sc: outcome check failed: ${chk:-not run}**" ;; esac
    done
  done
  true
}

# ------------------------------------------------------------------ (h) message center: functions
MSG_CONN=64        # connections sending single messages
MSG_CONN_BATCH=8   # connections sending batches of 100 (a business system sends few, large requests)
MSG_THREADS=2
MSG_BURST=100   # batch requests of 100 in the http run: 10,000 messages

# wrk output of messages.lua -> "messages_per_s p99_ms accepted_requests other first_error"
messages_rate() {
  "$PY" - "$1" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"MSG accepted=(\d+) duplicate=(\d+) other=(\d+) per_request=(\d+) duration_us=(\d+) p99_us=(\d+)", t)
e = re.search(r"MSG first_error=(.*)", t)
if not m:
    print("0 nan 0 0 -"); sys.exit()
a, d, o, k, dur, p = map(int, m.groups())
print(f"{a * k / (dur / 1e6):.0f} {p / 1000:.2f} {a} {o + d} {(e.group(1)[:120] if e else '-').replace(' ', '_')}")
EOF
}

# messages_scenario URL DB SCENARIO N_REQUESTS DURATION TAG CONNECTIONS
#   -> sets MS_<TAG>="rate|p99|accepted|other|first|check"
messages_scenario() {
  local url=$1 db=$2 sc=$3 n=$4 dur=$5 tag=$6 conn=$7 state="$WORK/msg_$6.txt" rate p99 acc other first chk app
  log "(h) messages, $tag: signing $n requests"
  "$PY" "$ROOT/bench/messages_prepare.py" prepare "$url" "$TB_BIN" "$sc" "$n" "$state"
  log "(h) messages, $tag: wrk -t$MSG_THREADS -c$conn -d$dur"
  TB_BENCH_MESSAGES="$state" TB_BENCH_THREADS=$MSG_THREADS \
    wrk -t$MSG_THREADS -c"$conn" -d"$dur" --latency -s "$ROOT/bench/messages.lua" "$url" >"$WORK/wrk_msg_$tag.txt"
  read -r rate p99 acc other first <<<"$(messages_rate "$WORK/wrk_msg_$tag.txt")"
  app=$(head -n1 "$state" | cut -f2)
  chk=$("$PY" "$ROOT/bench/messages_prepare.py" check "$db" "$app" "$WORK/wrk_msg_$tag.txt" 2>&1 | tail -n 1 || true)
  log "(h) $tag: $rate messages/s (p99 $p99 ms, $acc requests accepted, $other other); $chk"
  printf -v "MS_${tag}" '%s' "$rate|$p99|$acc|$other|$first|$chk"
}

MS_RAN=""
messages_run() {
  local port url pid mport secret mpid
  port=$(free_port); url="http://127.0.0.1:$port"
  log "(h) message center on SQLite, sms_provider = sandbox"
  start_tb messages_sandbox "$WORK/messages_sandbox/tongban.db" "$port"
  pid=$TB_PID
  messages_scenario "$url" "$WORK/messages_sandbox/tongban.db" single 60000 "$DUR" single "$MSG_CONN"
  messages_scenario "$url" "$WORK/messages_sandbox/tongban.db" batch 1500 "$DUR" batch "$MSG_CONN_BATCH"
  stop_pid "$pid"
  MS_RAN="sandbox"

  log "(h) message center on SQLite, sms_provider = http (bench/messages_mock.py)"
  mport=$(free_port); secret="bench-$RANDOM$RANDOM"
  "$PY" "$ROOT/bench/messages_mock.py" "$mport" "$secret" >"$WORK/messages_mock.txt" 2>&1 &
  mpid=$!
  PIDS+=("$mpid")
  for _ in $(seq 1 100); do grep -q ready "$WORK/messages_mock.txt" && break; sleep 0.05; done
  port=$(free_port); url="http://127.0.0.1:$port"
  TB_SMS_PROVIDER=http TONGBAN_SMS_HTTP_URL="http://127.0.0.1:$mport/sms/send" TONGBAN_SMS_HTTP_SECRET=$secret \
    TONGBAN_NOTIFY_WORKER_MS=50 TONGBAN_NOTIFY_BREAKER_FAILURES=100000 \
    start_tb messages_http "$WORK/messages_http/tongban.db" "$port"
  pid=$TB_PID
  log "(h) messages, http: signing $MSG_BURST requests of 100"
  "$PY" "$ROOT/bench/messages_prepare.py" prepare "$url" "$TB_BIN" batch "$MSG_BURST" "$WORK/msg_http.txt"
  "$PY" "$ROOT/bench/messages_prepare.py" burst "$url" "$WORK/msg_http.txt" >"$WORK/burst_http.txt"
  MS_http_burst=$(cat "$WORK/burst_http.txt")
  log "(h) http: $MS_http_burst"
  MS_http_drain=$("$PY" "$ROOT/bench/messages_prepare.py" drain "$WORK/messages_http/tongban.db" \
    "$(head -n1 "$WORK/msg_http.txt" | cut -f2)" 300)
  log "(h) http: $MS_http_drain"
  MS_http_check=$("$PY" "$ROOT/bench/messages_prepare.py" check "$WORK/messages_http/tongban.db" \
    "$(head -n1 "$WORK/msg_http.txt" | cut -f2)" "$WORK/burst_http.txt" 2>&1 | tail -n 1 || true)
  log "(h) http: $MS_http_check"
  stop_pid "$pid"
  kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null || true
  MS_http_mock=$(grep MOCK "$WORK/messages_mock.txt" || echo "MOCK not reported")
  unset TONGBAN_SMS_HTTP_URL TONGBAN_SMS_HTTP_SECRET TONGBAN_NOTIFY_WORKER_MS TONGBAN_NOTIFY_BREAKER_FAILURES
  MS_RAN="sandbox http"
  if [ -z "${REF_SQ:-}" ]; then
    log "(h) reference: single-row INSERT loop on SQLite (WAL, synchronous=$SQLITE_SYNC)"
    gcc -O2 -o "$WORK/ref_sqlite_insert" "$ROOT/bench/ref_sqlite_insert.c" -lsqlite3
    "$WORK/ref_sqlite_insert" "$WORK/messages_sandbox/ref.db" "$DUR_S" "$SQLITE_SYNC" >"$WORK/ref_sqlite_msg.txt"
    REF_SQ=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' "$WORK/ref_sqlite_msg.txt" | awk '{printf "%.0f", $1}')
  fi
}

# accept -> delivered figures of a CHECK line
messages_latency() {
  echo "$1" | sed -n 's/.*p50_s=\([^ ]*\) p99_s=\([^ ]*\) max_s=\([^ ]*\).*/accept→delivered p50 \1 s, p99 \2 s, max \3 s/p'
}

# Markdown rows of (h)
messages_rows() {
  [ -n "$MS_RAN" ] || return 0
  local tag what rate p99 acc other first chk v rate_d
  for tag in single batch; do
    v="MS_${tag}"; IFS='|' read -r rate p99 acc other first chk <<<"${!v}"
    if [ "$tag" = single ]; then what="one message per request (\`/api/v1/msg/send\`), $MSG_CONN connections"; else what="batches of 100 (\`/api/v1/msg/send-batch\`), $MSG_CONN_BATCH connections"; fi
    echo "| (h) messages accepted and delivered/s, SQLite, sandbox provider, $what, $DUR | $rate (p99 $p99 ms per request; $(messages_latency "$chk"); ${chk%% p50*}) | single-row INSERT loop, WAL, synchronous=$SQLITE_SYNC: ${REF_SQ:-–}/s | $(ratio "$rate" "${REF_SQ:-0}") | ≥ 5,000/s: $(verdict "$rate" 5000) |"
  done
  if [[ " $MS_RAN " == *" http "* ]]; then
    rate_d=$(echo "$MS_http_drain" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
    echo "| (h) worker dispatch rate, SQLite, sms_provider = http (bench/messages_mock.py), a burst of $((MSG_BURST * 100)) messages (8 clients, batches of 100) | ${rate_d:-–} delivered/s ($MS_http_drain; $(messages_latency "$MS_http_check"); $MS_http_burst; $MS_http_mock) | single-row INSERT loop: ${REF_SQ:-–}/s | $(ratio "${rate_d:-0}" "${REF_SQ:-0}") | |"
  fi
}

messages_notes() {
  local tag v rate p99 acc other first chk
  [ -n "$MS_RAN" ] || return 0
  for tag in single batch; do
    v="MS_${tag}"
    IFS='|' read -r rate p99 acc other first chk <<<"${!v}"
    [ "$first" != "-" ] && echo "First answer other than 202 / 200 in (h) $tag: \`${first//_/ }\`"
    case "$chk" in "CHECK ok"*) ;; *) echo "**(h) $tag: outcome check failed: ${chk:-not run}**" ;; esac
  done
  if [[ " $MS_RAN " == *" http "* ]]; then
    case "$MS_http_check" in "CHECK ok"*) ;; *) echo "**(h) http: outcome check failed: ${MS_http_check:-not run}**" ;; esac
    case "$MS_http_mock" in *" bad=0"*) ;; *) echo "**(h) http: the mock provider refused requests: $MS_http_mock**" ;; esac
  fi
  true
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else printf "–" }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { if (v != "" && v + 0 >= g + 0) print "met"; else print "**not met**" }'; }

CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
NCPU=$(nproc)
VERSION=$("$TB_BIN" version 2>/dev/null | head -n1 || echo "?")
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
DATE=$(TZ=Asia/Shanghai date '+%Y-%m-%d %H:%M %z')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ (g) alone
if [ "${BENCH_ONLY:-${1:-all}}" = booking ]; then
  booking_run
  OUT="$ROOT/bench/results/booking.md"
  mkdir -p "$ROOT/bench/results"
  {
    echo "## Tongban booking benchmark — $DATE"
    echo
    echo "Machine: $CPU, $NCPU cores. tongban: ${VERSION} (commit $COMMIT). Loopback only, load generator on the same machine."
    echo "Load average before the run: $LOAD0."
    echo
    echo "| benchmark | tongban | reference | ratio tongban/reference | goal |"
    echo "|---|---|---|---|---|"
    booking_rows
    echo
    booking_notes
  } >"$OUT"
  cat "$OUT"
  exit 0
fi

# ------------------------------------------------------------------ (h) alone
if [ "${BENCH_ONLY:-${1:-all}}" = messages ]; then
  messages_run
  OUT="$ROOT/bench/results/messages.md"
  mkdir -p "$ROOT/bench/results"
  {
    echo "## Tongban message center benchmark — $DATE"
    echo
    echo "Machine: $CPU, $NCPU cores. tongban: ${VERSION} (commit $COMMIT). Loopback only, load generator on the same machine."
    echo "Load average before the run: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| benchmark | tongban | reference | ratio tongban/reference | goal |"
    echo "|---|---|---|---|---|"
    messages_rows
    echo
    messages_notes
  } >"$OUT"
  cat "$OUT"
  exit 0
fi

# ------------------------------------------------------------------ (a) + (c)
log "(a) starting tongban on SQLite"
P_TB=$(free_port)
start_tb sqlite "$WORK/sqlite/tongban.db" "$P_TB"
TB_SQLITE_PID=$TB_PID
sleep 1
RSS_IDLE=$(rss_kb "$TB_SQLITE_PID")

URL_PATH="/api/v1/matters/$MATTER"
mkdir -p "$WORK/www/api/v1/matters"
if ! curl -sf "http://127.0.0.1:$P_TB$URL_PATH" -o "$WORK/www$URL_PATH"; then
  log "matter $MATTER not found; using the first hot matter instead"
  MATTER=$(curl -sf "http://127.0.0.1:$P_TB/api/v1/matters/hot" | "$PY" -c 'import json,sys;print(json.load(sys.stdin)["items"][0]["code"])')
  URL_PATH="/api/v1/matters/$MATTER"
  curl -sf "http://127.0.0.1:$P_TB$URL_PATH" -o "$WORK/www$URL_PATH"
fi
chmod -R a+rX "$WORK/www"
BYTES=$(stat -c %s "$WORK/www$URL_PATH")

P_NG=$(free_port)
mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 65;
  default_type application/json;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$P_NG;
    root $WORK/www;
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
NG_PID=$!
PIDS+=("$NG_PID")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$P_NG$URL_PATH" -o "$WORK/nginx.body" 2>/dev/null && break; sleep 0.05; done
cmp -s "$WORK/nginx.body" "$WORK/www$URL_PATH" || { log "nginx does not serve the same bytes"; cat "$WORK/nginx/error.log" >&2; exit 1; }

log "(a) wrk against tongban and nginx ($BYTES bytes, $DUR each, after a 2 s warm-up)"
wrk -t2 -c64 -d2s "http://127.0.0.1:$P_TB$URL_PATH" >/dev/null
wrk -t2 -c64 -d"$DUR" --latency "http://127.0.0.1:$P_TB$URL_PATH" >"$WORK/wrk_tb.txt"
wrk -t2 -c64 -d2s "http://127.0.0.1:$P_NG$URL_PATH" >/dev/null
wrk -t2 -c64 -d"$DUR" --latency "http://127.0.0.1:$P_NG$URL_PATH" >"$WORK/wrk_ng.txt"
read -r TB_RPS TB_P99 TB_NON <<<"$(parse_wrk "$WORK/wrk_tb.txt")"
read -r NG_RPS NG_P99 NG_NON <<<"$(parse_wrk "$WORK/wrk_ng.txt")"
RSS_AFTER=$(rss_kb "$TB_SQLITE_PID")
stop_pid "$NG_PID"

# ------------------------------------------------------------------ (b) SQLite
log "(b) preparing $CLIENTS citizens on SQLite"
"$PY" "$ROOT/bench/prepare.py" "http://127.0.0.1:$P_TB" "$CLIENTS" "$WORK/sessions_sqlite.txt"
log "(b) wrk submissions on SQLite ($DUR)"
TB_BENCH_SESSIONS="$WORK/sessions_sqlite.txt" wrk -t$CLIENTS -c$CLIENTS -d"$DUR" --latency \
  -s "$ROOT/bench/submit.lua" "http://127.0.0.1:$P_TB" >"$WORK/wrk_sub_sqlite.txt"
log "(d) task completions on SQLite: $WORK_CASES cases, $CLIENTS officers ($DUR)"
read -r DONE_SQ DONE_SQ_P99 DONE_SQ_FIRST <<<"$(complete_bench sqlite "$P_TB")"
stop_pid "$TB_SQLITE_PID"

sub_rate() {
  "$PY" - "$1" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"SUBMIT created=(\d+) other=(\d+) duration_us=(\d+) p99_us=(\d+)", t)
e = re.search(r"SUBMIT first_error=(.*)", t)
if not m:
    print("0 0 nan -"); sys.exit()
c, o, d, p = map(int, m.groups())
print(f"{c / (d / 1e6):.0f} {o} {p / 1000:.2f} {(e.group(1)[:120] if e else '-').replace(' ', '_')}")
EOF
}
read -r SUB_SQ SUB_SQ_ERR SUB_SQ_P99 SUB_SQ_FIRST <<<"$(sub_rate "$WORK/wrk_sub_sqlite.txt")"

log "(b) reference: single-row INSERT loop on SQLite (WAL, synchronous=$SQLITE_SYNC)"
gcc -O2 -o "$WORK/ref_sqlite_insert" "$ROOT/bench/ref_sqlite_insert.c" -lsqlite3
"$WORK/ref_sqlite_insert" "$WORK/sqlite/ref.db" "$DUR_S" "$SQLITE_SYNC" >"$WORK/ref_sqlite.txt"
REF_SQ=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' "$WORK/ref_sqlite.txt" | awk '{printf "%.0f", $1}')

# ------------------------------------------------------------------ (b) SQLite, synchronous=full
SUB_FULL=""; REF_FULL=""; SUB_FULL_ERR=""; SUB_FULL_P99=""; SUB_FULL_FIRST="-"
if [ "${BENCH_SKIP_FULL:-0}" != 1 ]; then
  log "(b) the same on SQLite with sqlite_synchronous = full (fsync at every commit)"
  P_TB3=$(free_port)
  TB_SYNC=full start_tb sqlite_full "$WORK/sqlite_full/tongban.db" "$P_TB3"
  TB_FULL_PID=$TB_PID
  "$PY" "$ROOT/bench/prepare.py" "http://127.0.0.1:$P_TB3" "$CLIENTS" "$WORK/sessions_full.txt"
  TB_BENCH_SESSIONS="$WORK/sessions_full.txt" wrk -t$CLIENTS -c$CLIENTS -d"$DUR" --latency \
    -s "$ROOT/bench/submit.lua" "http://127.0.0.1:$P_TB3" >"$WORK/wrk_sub_full.txt"
  read -r SUB_FULL SUB_FULL_ERR SUB_FULL_P99 SUB_FULL_FIRST <<<"$(sub_rate "$WORK/wrk_sub_full.txt")"
  stop_pid "$TB_FULL_PID"
  "$WORK/ref_sqlite_insert" "$WORK/sqlite_full/ref.db" "$DUR_S" FULL >"$WORK/ref_full.txt"
  REF_FULL=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' "$WORK/ref_full.txt" | awk '{printf "%.0f", $1}')
fi

# ------------------------------------------------------------------ (b) PostgreSQL
SUB_PG=""; REF_PG=""; SUB_PG_ERR=""; SUB_PG_P99=""; SUB_PG_FIRST="-"; DONE_PG=""; DONE_PG_P99=""
if [ "${BENCH_SKIP_PG:-0}" != 1 ] && [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  log "(b) starting a throwaway PostgreSQL 15"
  PGDIR="$WORK/pg"
  PG_URL=$("$ROOT/scripts/pg.sh" start "$PGDIR" "$(free_port)")
  P_TB2=$(free_port)
  start_tb pg "$PG_URL" "$P_TB2"
  TB_PG_PID=$TB_PID
  log "(b) preparing $CLIENTS citizens on PostgreSQL"
  "$PY" "$ROOT/bench/prepare.py" "http://127.0.0.1:$P_TB2" "$CLIENTS" "$WORK/sessions_pg.txt"
  log "(b) wrk submissions on PostgreSQL ($DUR)"
  TB_BENCH_SESSIONS="$WORK/sessions_pg.txt" wrk -t$CLIENTS -c$CLIENTS -d"$DUR" --latency \
    -s "$ROOT/bench/submit.lua" "http://127.0.0.1:$P_TB2" >"$WORK/wrk_sub_pg.txt"
  read -r SUB_PG SUB_PG_ERR SUB_PG_P99 SUB_PG_FIRST <<<"$(sub_rate "$WORK/wrk_sub_pg.txt")"
  log "(d) task completions on PostgreSQL"
  read -r DONE_PG DONE_PG_P99 DONE_PG_FIRST <<<"$(complete_bench pg "$P_TB2")"
  stop_pid "$TB_PG_PID"
  log "(b) reference: pgbench -n -c $CLIENTS -T $DUR_S, one INSERT per transaction"
  PGOPTIONS='-c client_min_messages=warning' /usr/lib/postgresql/15/bin/psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" -c \
    "DROP TABLE IF EXISTS bench_ref; CREATE TABLE bench_ref(id bigserial PRIMARY KEY, v text NOT NULL, at timestamptz NOT NULL DEFAULT now())"
  echo "INSERT INTO bench_ref(v) VALUES ('2301022026112800000-' || :client_id);" >"$WORK/insert.sql"
  /usr/lib/postgresql/15/bin/pgbench -n -c $CLIENTS -j 2 -T "$DUR_S" -f "$WORK/insert.sql" "$PG_URL" \
    >"$WORK/pgbench.txt" 2>&1 || { cat "$WORK/pgbench.txt" >&2; exit 1; }
  REF_PG=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.txt" | head -n1 | awk '{printf "%.0f", $1}')
fi

# ------------------------------------------------------------------ (g) booking attempts
booking_run

# ------------------------------------------------------------------ (h) message center
messages_run

# ------------------------------------------------------------------ (e) (f) in-process engines
BUILD_DIR=$(dirname "$TB_BIN")
FLOW_LINE="not built"; SEARCH_LINE="not built"
if [ -x "$BUILD_DIR/flow_bench" ]; then
  log "(e) flow engine in-process: 2000 instances of a 3-task flow, run to the end (SQLite)"
  FLOW_LINE=$(cd "$WORK" && "$BUILD_DIR/flow_bench" 2000 2>&1 | tr '\n' ' ')
fi
if [ -x "$BUILD_DIR/src/search/search_bench" ]; then
  log "(f) search engine in-process vs SQLite FTS5 trigram on 100,000 synthetic documents"
  SEARCH_LINE=$("$BUILD_DIR/src/search/search_bench" "$ROOT/seed/matters.json" "$ROOT/tests/search/queries.tsv" 2>&1 | tail -n 12)
fi

# ------------------------------------------------------------------ report
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

R_A=$(ratio "$TB_RPS" "$NG_RPS")
R_SQ=$(ratio "$SUB_SQ" "$REF_SQ")
R_PG=$(ratio "$SUB_PG" "$REF_PG")
R_FULL=$(ratio "$SUB_FULL" "$REF_FULL")
OUT="$ROOT/bench/results/latest.md"
mkdir -p "$ROOT/bench/results"
{
  echo "## Tongban benchmark — $DATE"
  echo
  echo "Machine: $CPU, $NCPU cores. tongban: ${VERSION} (commit $COMMIT). Loopback only, load generator on the same machine."
  echo "Load average before the run: $LOAD0 (other work on the machine skews every figure; compare ratios, rerun when busy)."
  echo
  echo "| benchmark | tongban | reference | ratio tongban/reference | goal |"
  echo "|---|---|---|---|---|"
  echo "| (a) GET \`/api/v1/matters/{code}\` ($BYTES B), wrk -t2 -c64 -d$DUR, req/s | $TB_RPS | nginx (same bytes from a file): $NG_RPS | $R_A | ≥ 0.5: $(verdict "$R_A" 0.5) |"
  echo "| (a) same, p99 latency | $TB_P99 ms | nginx: $NG_P99 ms | | |"
  echo "| (b) case submissions/s, SQLite, $CLIENTS clients, $DUR | $SUB_SQ (p99 $SUB_SQ_P99 ms, non-201: $SUB_SQ_ERR) | single-row INSERT loop, WAL, synchronous=$SQLITE_SYNC: $REF_SQ/s | $R_SQ | ≥ 1,000/s: $(verdict "$SUB_SQ" 1000) |"
  if [ -n "$SUB_FULL" ]; then
    echo "| (b) same, SQLite with \`sqlite_synchronous = full\` | $SUB_FULL (p99 $SUB_FULL_P99 ms, non-201: $SUB_FULL_ERR) | same loop, synchronous=FULL: $REF_FULL/s | $R_FULL | |"
  fi
  if [ -n "$SUB_PG" ]; then
    echo "| (b) case submissions/s, PostgreSQL 15, $CLIENTS clients, $DUR | $SUB_PG (p99 $SUB_PG_P99 ms, non-201: $SUB_PG_ERR) | pgbench -c $CLIENTS, one INSERT per transaction: $REF_PG tps | $R_PG | |"
  else
    echo "| (b) case submissions/s, PostgreSQL 15 | not run | | | |"
  fi
  echo "| (d) task completions/s (受理 through the API), SQLite, $CLIENTS officers, $DUR | $DONE_SQ (p99 $DONE_SQ_P99 ms) | | | ≥ 500/s: $(verdict "$DONE_SQ" 500) |"
  if [ -n "$DONE_PG" ]; then
    echo "| (d) task completions/s, PostgreSQL 15 | $DONE_PG (p99 $DONE_PG_P99 ms) | | | |"
  fi
  echo "| (c) tongban RSS idle (after start + seed) | $(mb "$RSS_IDLE") | | | |"
  echo "| (c) tongban RSS after (a) | $(mb "$RSS_AFTER") | | | |"
  booking_rows
  messages_rows
  echo
  echo "(e) flow engine, in-process: $FLOW_LINE"
  echo
  echo "(f) search engine, in-process:"
  echo
  echo '```'
  echo "$SEARCH_LINE"
  echo '```'
  echo
  [ "$DONE_SQ_FIRST" != "-" ] && echo "First failed task completion on SQLite: \`${DONE_SQ_FIRST//_/ }\`"
  [ "$TB_NON" != 0 ] && echo "Warning: tongban answered $TB_NON non-2xx responses in (a)."
  [ "$SUB_SQ_FIRST" != "-" ] && echo "First non-201 submission answer on SQLite: \`${SUB_SQ_FIRST//_/ }\`"
  [ "$SUB_FULL_FIRST" != "-" ] && echo "First non-201 submission answer on SQLite (full): \`${SUB_FULL_FIRST//_/ }\`"
  [ "$SUB_PG_FIRST" != "-" ] && echo "First non-201 submission answer on PostgreSQL: \`${SUB_PG_FIRST//_/ }\`"
  booking_notes
  messages_notes
  true
} >"$OUT"
cat "$OUT"
