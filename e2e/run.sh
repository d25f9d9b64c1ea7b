#!/usr/bin/env bash
# Browser tests of the hosted verification flow and the /v3/ drop-in.
#
#   VERIFYD_BIN   the verifyd binary to test (default: <repo>/target/debug/verifyd); this
#                 script builds nothing
#   extra args are passed to `node --test`, e.g.  bash e2e/run.sh --test-name-pattern=modal
#
# Installs Debian's chromium if /usr/bin/chromium is missing, installs playwright-core from
# the lockfile, makes sure the text-recognition models live mode reads documents with are in
# models/ (scripts/fetch-models: a no-op when they are there and verified), starts verifyd on
# a free port with fixed keys, a fresh SQLite file and those models, runs the tests (node's
# built-in runner, one file at a time), and stops verifyd. Screenshots of every step land in
# e2e/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="${VERIFYD_BIN:-$repo/target/debug/verifyd}"

if [ ! -x "$bin" ]; then
  echo "e2e: no verifyd binary at $bin (build it first: cargo build --bin verifyd)" >&2
  exit 1
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

# The live-mode tests read the fixture photos with the real reader, which needs these.
"$repo/scripts/fetch-models" "$repo/models"

cd "$here"
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/verifyd-e2e.XXXXXX")"
mkdir -p "$here/artifacts"
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"

# Fixed keys for this run only (never used anywhere else).
export VERIFYD_E2E_SK_TEST="sk_test_e2e0000000000000000000001"
export VERIFYD_E2E_SK_LIVE="sk_live_e2e0000000000000000000001"
export VERIFYD_E2E_PK_TEST="pk_test_e2e0000000000000000000001"
export VERIFYD_E2E_PK_LIVE="pk_live_e2e0000000000000000000001"
export VERIFYD_E2E_URL="http://127.0.0.1:$port"
export VERIFYD_E2E_ARTIFACTS="$here/artifacts"

VERIFYD_API_KEYS="$VERIFYD_E2E_SK_TEST,$VERIFYD_E2E_SK_LIVE,$VERIFYD_E2E_PK_TEST,$VERIFYD_E2E_PK_LIVE" \
RUST_LOG="${RUST_LOG:-warn}" \
  "$bin" serve --listen "127.0.0.1:$port" --database "sqlite://$work/verifyd.db" \
  --models-dir "$repo/models" \
  >"$work/verifyd.log" 2>&1 &
verifyd_pid=$!

# A second verifyd with the operator's branding (business name, icon, a light accent colour
# whose button text must turn dark), for tests/branding.test.mjs. No models: it serves test
# mode only.
branded_port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export VERIFYD_E2E_BRANDED_URL="http://127.0.0.1:$branded_port"
export VERIFYD_E2E_BUSINESS_NAME="Northwind Savings & Loans"
node "$here/lib/brand-icon.mjs" "$work/brand-icon.png"
VERIFYD_API_KEYS="$VERIFYD_E2E_SK_TEST,$VERIFYD_E2E_SK_LIVE,$VERIFYD_E2E_PK_TEST,$VERIFYD_E2E_PK_LIVE" \
RUST_LOG="${RUST_LOG:-warn}" \
  "$bin" serve --listen "127.0.0.1:$branded_port" --database "sqlite://$work/branded.db" \
  --models-dir "$work/no-models" \
  --business-name "$VERIFYD_E2E_BUSINESS_NAME" --business-icon "$work/brand-icon.png" \
  --accent-color "#ffd400" \
  >"$work/branded.log" 2>&1 &
branded_pid=$!

stop() {
  kill "$verifyd_pid" "$branded_pid" 2>/dev/null || true
  wait "$verifyd_pid" 2>/dev/null || true
  wait "$branded_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

# Waits for the verifyd with pid $1 to answer at $2; its log is $3.
wait_ready() {
  for _ in $(seq 1 100); do
    if node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$2/"; then
      return 0
    fi
    if ! kill -0 "$1" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "e2e: verifyd did not start; its log:" >&2
  cat "$3" >&2
  exit 1
}
wait_ready "$verifyd_pid" "$VERIFYD_E2E_URL" "$work/verifyd.log"
wait_ready "$branded_pid" "$VERIFYD_E2E_BRANDED_URL" "$work/branded.log"

echo "==> browser tests against $VERIFYD_E2E_URL"
status=0
node --test --test-concurrency=1 "$@" tests/*.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "e2e: verifyd log (last 50 lines):" >&2
  tail -n 50 "$work/verifyd.log" >&2
fi
exit "$status"
