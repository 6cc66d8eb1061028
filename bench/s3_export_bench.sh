#!/usr/bin/env bash
# Builds and runs s3_export_bench: dbexport run of 6 million lineitem rows to
# S3 (moto) vs to a local directory. Uses the servers of $DBX_TEST_PG_URL and
# $DBX_TEST_S3_ENDPOINT, or starts the test servers (scripts/lib/servers.sh)
# when they are not set.
#   bench/s3_export_bench.sh [s3_export_bench flags, e.g. --repeat 1 --parallelism 4]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target s3_export_bench
if [ -z "${DBX_TEST_PG_URL:-}" ] || [ -z "${DBX_TEST_S3_ENDPOINT:-}" ]; then
  source scripts/lib/servers.sh
  trap stop_servers EXIT
  start_servers
fi
"$BUILD_DIR"/bench/s3_export_bench "$@"
