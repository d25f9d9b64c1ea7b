#!/usr/bin/env bash
# Run the Stripe-SDK conformance suite against a verifyd binary.
#   VERIFYD_BIN   path to the binary (default: <repo>/target/debug/verifyd)
#   extra args are passed to pytest, e.g.  bash conformance/run.sh -k redact -x
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
export VERIFYD_BIN="${VERIFYD_BIN:-$repo/target/debug/verifyd}"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
if command -v npm >/dev/null 2>&1; then
  (cd "$here/node" && npm ci --no-audit --no-fund --silent >/dev/null)
fi
cd "$here"
exec "$venv/bin/python" -m pytest -q "$here" "$@"
