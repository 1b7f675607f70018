#!/usr/bin/env bash
# scripts/deps.sh [run|test|bench] — installs what is missing, quietly.
#   run:   what `make run` needs (compiler, libraries, Node.js for the web build)
#   test:  plus PostgreSQL 15, pytest, Chromium (for `make test`)
#   bench: plus wrk and nginx (for `make bench`)
# Debian packages come from apt, front-end packages from npm lockfiles.
# Idempotent: prints nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
level=${1:-run}

RUN_PKGS="gcc make pkg-config meson ninja-build python3 libh2o-evloop-dev libjansson-dev libsqlite3-dev
  libpq-dev libssl-dev libsodium-dev duktape-dev libinih-dev libpcre2-dev libqrencode-dev libcmocka-dev zlib1g-dev sqlite3
  libcurl4-openssl-dev libxlsxwriter-dev"
TEST_PKGS="postgresql-15 python3-pytest python3-requests python3-aiosmtpd chromium fonts-noto-cjk"
BENCH_PKGS="wrk nginx-light"

pkgs=$RUN_PKGS
[ "$level" = test ] || [ "$level" = bench ] && pkgs="$pkgs $TEST_PKGS"
[ "$level" = bench ] && pkgs="$pkgs $BENCH_PKGS"
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "deps: installing${missing}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages from the committed lockfiles, only when missing or stale
for dir in web tools; do
  [ -f "$dir/package-lock.json" ] || continue
  stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    echo "deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
