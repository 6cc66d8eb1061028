#!/usr/bin/env bash
# Builds and runs mysql_export_bench: dbexport run vs mariadb --quick and
# mydumper on 6 million lineitem rows in MariaDB. Uses $DBX_TEST_MYSQL_URL,
# or starts the test servers (scripts/lib/servers.sh) when it is not set.
#   bench/mysql_export_bench.sh [mysql_export_bench flags, e.g. --rows 1000000 --repeat 1]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
command -v mydumper >/dev/null || { apt-get install -y -qq --no-install-recommends mydumper >/dev/null; }
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target mysql_export_bench
if [ -z "${DBX_TEST_MYSQL_URL:-}" ]; then
  source scripts/lib/servers.sh
  trap stop_servers EXIT
  start_servers
fi
"$BUILD_DIR"/bench/mysql_export_bench "$@"
