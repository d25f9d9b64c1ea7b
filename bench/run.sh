#!/usr/bin/env bash
# The load benchmark: builds verifyd and the benchmark tool in release mode, measures the
# HTTP and durable-write ceilings of this machine, then every verifyd scenario, and prints
# a table (also written as JSON to bench/results/latest.json). The 1M-session database is
# kept in bench/data/ and reused by later runs.
#   bash bench/run.sh              full run (about 5 minutes once the 1M database exists)
#   bash bench/run.sh --smoke      a few seconds on tiny data, with debug builds
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if [ "${1:-}" = "--smoke" ]; then
  cargo build -q -p verifyd -p verifyd-bench
  exec target/debug/verifyd-bench run --verifyd target/debug/verifyd \
    --workdir "$(mktemp -d)" --out "$(mktemp -d)/smoke.json" --smoke
fi
cargo build -q --release -p verifyd -p verifyd-bench
exec target/release/verifyd-bench run --verifyd target/release/verifyd \
  --workdir bench/data --out bench/results/latest.json "$@"
