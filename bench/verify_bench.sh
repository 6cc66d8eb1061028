#!/usr/bin/env bash
# The cost of `dbexport verify` and `dbexport verify --deep` next to the
# export's own time, on the lineitem table (bench/lineitem.h): loads it with
# export_bench (kept between runs in the database bench_export), then
# --repeat times: dbexport run to a local directory, verify, verify --deep.
# Prints each run's wall time, CPU seconds (user + sys) and peak RSS, then
# the best of each and its ratio to the export's. Uses the PostgreSQL of
# $DBX_TEST_PG_URL, or starts the test servers when it is not set.
#   bench/verify_bench.sh [--rows N] [--repeat R] [--parallelism P] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
rows=6000000 repeat=3 parallelism=4 out=${TMPDIR:-/tmp}/dbexport-verify-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --parallelism) parallelism=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: bench/verify_bench.sh [--rows N] [--repeat R] [--parallelism P] [--out DIR]" >&2; exit 2 ;;
  esac
done
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target dbexport export_bench
if [ -z "${DBX_TEST_PG_URL:-}" ]; then
  source scripts/lib/servers.sh
  trap stop_servers EXIT
  start_servers
fi
dbexport=$BUILD_DIR/src/cli/dbexport
[ -x "$dbexport" ] || dbexport=$(find "$BUILD_DIR" -name dbexport -type f -perm -u+x | head -1)
# Loads lineitem (once; a no-op when already loaded) with a single export.
"$BUILD_DIR"/bench/export_bench --rows "$rows" --repeat 1 --parallelism "$parallelism" --out "$out/load" \
  | grep -E '^lineitem' || true
url=${DBX_TEST_PG_URL%/*}/bench_export

# measure <label> <command...>: one line "label wall cpu rss_kib".
measure() {
  local label=$1; shift
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" >/dev/null
  read -r wall user sys rss <"$t"
  rm -f "$t"
  awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    'BEGIN { printf "%-12s %8.2f s wall %8.2f cpu-s %7.0f MiB\n", l, w, u + s, r / 1024 }'
}

results=$(mktemp)
for i in $(seq "$repeat"); do
  rm -rf "$out/run"
  measure export "$dbexport" run --source "$url" --dest "$out/run" --task-id vb --compression gzip \
    --progress none --parallelism "$parallelism" | tee -a "$results"
  measure verify "$dbexport" verify "$out/run/vb" | tee -a "$results"
  measure verify-deep "$dbexport" verify --deep "$out/run/vb" | tee -a "$results"
done
echo "data: $(du -sb "$out/run/vb" | cut -f1) bytes in $(find "$out/run/vb" -name '*.parquet' | wc -l) files"
echo "best of $repeat (wall s, cpu-s, peak RSS) and wall ratio to the export:"
awk '{ if (!($1 in best) || $2 < best[$1]) { best[$1] = $2; cpu[$1] = $5; rss[$1] = $7 } }
     END { for (k in best) printf "%-12s %8.2f s %8.2f cpu-s %6d MiB  %5.2fx\n", k, best[k], cpu[k], rss[k], best[k] / best["export"] }' \
  "$results" | sort
rm -f "$results"
