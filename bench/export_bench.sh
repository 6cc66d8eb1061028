#!/usr/bin/env bash
# Builds and runs export_bench: dbexport run vs raw COPY of 6 million
# lineitem rows. Uses the PostgreSQL of $DBX_TEST_PG_URL, or starts the test
# servers (scripts/lib/servers.sh) when it is not set.
#   bench/export_bench.sh [export_bench flags, e.g. --rows 1000000 --repeat 1 --verify-counts]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target export_bench
if [ -z "${DBX_TEST_PG_URL:-}" ]; then
  source scripts/lib/servers.sh
  trap stop_servers EXIT
  start_servers
fi
"$BUILD_DIR"/bench/export_bench "$@"
