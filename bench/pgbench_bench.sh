#!/usr/bin/env bash
# pgbench_bench: what an export costs the live database it reads, and what
# --max-rate gives back.
#
# One run, one PostgreSQL server: the lineitem table (bench/lineitem.h, via
# lineitem_load) and pgbench's tables (pgbench -i -s SCALE) in database
# bench_pgbench, then the same fixed pgbench load (TPC-B-like, read-write,
# -c CLIENTS -j THREADS -T SECONDS, -M prepared) four times:
#   (a) no export
#   (b) during dbexport run of lineitem to a local directory at full speed
#   (c) during dbexport run --max-rate <half of (b)'s source read rate>
#       (and any other --fractions of it)
#   (d) no export again, to show how much the machine itself drifts
# Exports run back to back for the whole pgbench window (the one still
# running when pgbench ends is interrupted). For each phase it prints pgbench's
# TPS and its p99 and mean latency, computed here from the per-transaction
# logs (pgbench -l), the exports' time and source read rate, and the
# machine's CPU use; then the TPS drop of (b) and (c) against the mean of (a)
# and (d).
#
# Be honest about the machine: pgbench, its PostgreSQL backends and dbexport
# (reading COPY data, encoding Parquet, compressing) all share its CPUs. On
# a 2-core machine a full-speed export takes CPU away from the database
# whatever its I/O does, so (b)'s drop is mostly CPU contention, and --max-rate
# helps by using less CPU per second as well as less of the server's reads.
# A closed-loop pgbench (the default: no --rate) measures how many
# transactions the server can still do, which shows the drop most; with
# --rate TPS pgbench schedules a fixed rate and its latency includes the
# schedule lag, so p99 shows the cost instead. Other load on the machine
# shows up as the difference between (a) and (d). In production dbexport
# runs on a host of its own; --nice runs it at nice 19 here, which comes
# closer to that: the database's own processes get the CPU first, and what is
# left is what the export costs the server itself (its COPY backends, reads
# and memory bandwidth).
#
#   bench/pgbench_bench.sh [--rows N] [--scale N] [--clients N] [--threads N]
#                          [--seconds N] [--rate TPS] [--parallelism N]
#                          [--fractions 0.5,0.25] [--nice]
# Uses the PostgreSQL of $DBX_TEST_PG_URL, or starts the test servers
# (scripts/lib/servers.sh) when it is not set.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
rows=2000000
scale=10
clients=4
threads=2
seconds=30
rate=""
parallelism=2
fractions=0.5
nice=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --parallelism) parallelism=$2; shift 2 ;;
    --fractions) fractions=$2; shift 2 ;;
    --nice) nice=(nice -n 19); shift ;;
    *)
      echo "usage: bench/pgbench_bench.sh [--rows N] [--scale N] [--clients N] [--threads N] [--seconds N]" \
        "[--rate TPS] [--parallelism N] [--fractions 0.5,0.25] [--nice]" >&2
      exit 2 ;;
  esac
done

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target dbexport lineitem_load >/dev/null
DBEXPORT="$BUILD_DIR/src/cli/dbexport"
PGBENCH=$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)
if [ -z "${DBX_TEST_PG_URL:-}" ]; then
  source scripts/lib/servers.sh
  trap stop_servers EXIT
  start_servers
fi

url=$("$BUILD_DIR/bench/lineitem_load" --pg-url "$DBX_TEST_PG_URL" --database bench_pgbench --rows "$rows" | tail -1)
echo "pgbench -i -s $scale"
"$PGBENCH" -i -q -s "$scale" "$url" >/dev/null 2>&1
work=$(mktemp -d "${TMPDIR:-/tmp}/pgbench_bench.XXXXXX")
# stop_servers is defined only when this script started them.
trap 'rm -rf "$work"; if declare -F stop_servers >/dev/null; then stop_servers; fi' EXIT

# Busy and total jiffies of all CPUs.
cpu_now() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8; print busy, busy + $5 + $6 }' /proc/stat; }

# run_phase LABEL [MAX_RATE]: pgbench for $seconds s, with exports back to
# back when LABEL is not "idle*". Writes $work/LABEL.* files.
run_phase() {
  local label=$1 max_rate=${2:-}
  local cpu_before cpu_after
  cpu_before=$(cpu_now)
  "$PGBENCH" -n -M prepared -c "$clients" -j "$threads" -T "$seconds" ${rate:+-R "$rate"} -l \
    --log-prefix="$work/$label.log" "$url" >"$work/$label.out" 2>&1 &
  local bench_pid=$!
  local n=0
  : >"$work/$label.exports"
  if [[ $label != idle* ]]; then
    while kill -0 "$bench_pid" 2>/dev/null; do
      n=$((n + 1))
      rm -rf "$work/out"
      local started ended
      started=$(date +%s.%N)
      ${nice[@]+"${nice[@]}"} "$DBEXPORT" run --source "$url" --dest "$work/out" --task-id "bench-$label-$n" \
        --export-only bench_pgbench.public.lineitem --parallelism "$parallelism" --progress plain \
        ${max_rate:+--max-rate "$max_rate"} >/dev/null 2>"$work/$label.export$n.err" &
      local export_pid=$!
      while kill -0 "$export_pid" 2>/dev/null && kill -0 "$bench_pid" 2>/dev/null; do sleep 0.2; done
      local how=complete
      if kill -0 "$export_pid" 2>/dev/null; then
        kill -INT "$export_pid"
        how=interrupted
      fi
      local code=0
      wait "$export_pid" || code=$?
      if [ "$how" = complete ] && [ "$code" != 0 ]; then
        echo "dbexport run failed (exit $code):" >&2
        cat "$work/$label.export$n.err" >&2
        exit 1
      fi
      ended=$(date +%s.%N)
      # The display's rate: source bytes read per second since the first chunk.
      local mbs
      mbs=$({ grep '^progress:' "$work/$label.export$n.err" || true; } | tail -1 | sed -nE 's/.*  ([0-9.]+) MB\/s.*/\1/p')
      echo "$how $(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }') ${mbs:--}" \
        >>"$work/$label.exports"
    done
  fi
  wait "$bench_pid"
  cpu_after=$(cpu_now)
  echo "$cpu_before $cpu_after" >"$work/$label.cpu"
}

# summarize LABEL TITLE: one table row.
summarize() {
  local label=$1 title=$2
  local tps stats exports cpu
  tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$work/$label.out" | tail -1)
  # Log fields: client tx latency_us script epoch epoch_us [schedule_lag_us];
  # with --rate the latency counts from the scheduled start.
  stats=$(cat "$work/$label".log.* | awk '{ print $3 + (NF >= 7 ? $7 : 0) }' | sort -n |
    awk '{ v[NR] = $1; s += $1 } END { i = int(NR * 0.99); if (i < 1) i = 1;
           printf "%d %.2f %.2f", NR, v[i] / 1000, s / NR / 1000 }')
  exports=$(awk '{ n++; if ($1 == "complete") { c++; t = t (t ? "," : "") $2 "s" } if ($3 != "-") r = r (r ? "," : "") $3 }
                 END { if (n) printf "%d done (%s), MiB/s %s", c, t ? t : "-", r; else printf "-" }' \
    "$work/$label.exports")
  cpu=$(awk '{ printf "%.0f%%", ($3 - $1) * 100 / ($4 - $2) }' "$work/$label.cpu")
  printf "%-36s %9.1f %9s %9s %6s  %s\n" "$title" "$tps" "$(echo "$stats" | cut -d' ' -f2)" \
    "$(echo "$stats" | cut -d' ' -f3)" "$cpu" "$exports"
}

echo "pgbench: -c $clients -j $threads -T $seconds -M prepared${rate:+ -R $rate}; lineitem $rows rows;" \
  "dbexport --parallelism $parallelism${nice[0]:+ at nice 19}; $(nproc) CPUs"
run_phase idle
run_phase full
full_mbs=$(awk '$3 > 0 { s += $3; n++ } END { if (n) printf "%.3f", s / n }' "$work/full.exports")
if [ -z "$full_mbs" ]; then
  echo "no full-speed export reported a rate: see $work" >&2
  exit 1
fi
fraction_list=(${fractions//,/ })
limits=()
for i in "${!fraction_list[@]}"; do
  limits[$i]=$(awk -v m="$full_mbs" -v f="${fraction_list[$i]}" 'BEGIN { printf "%d", m * 1048576 * f }')
  run_phase "throttled$i" "${limits[$i]}"
done
run_phase idle2

printf "\n%-36s %9s %9s %9s %6s  %s\n" "phase" "TPS" "p99 ms" "mean ms" "CPU" "exports (time of completed ones, source read rate)"
summarize idle "(a) no export"
summarize full "(b) full-speed export"
for i in "${!fraction_list[@]}"; do
  summarize "throttled$i" "(c) --max-rate $(awk -v b="${limits[$i]}" -v f="${fraction_list[$i]}" \
    'BEGIN { printf "%.1f MiB/s (x%s)", b / 1048576, f }')"
done
summarize idle2 "(d) no export, again"
tps_of() { sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$work/$1.out" | tail -1; }
base=$(awk -v a="$(tps_of idle)" -v d="$(tps_of idle2)" 'BEGIN { printf "%.1f", (a + d) / 2 }')
drop() { awk -v base="$base" -v t="$(tps_of "$1")" 'BEGIN { printf "%.1f%%", (base - t) * 100 / base }'; }
line="full speed $(drop full)"
for i in "${!fraction_list[@]}"; do line="$line, --max-rate x${fraction_list[$i]} $(drop "throttled$i")"; done
echo
echo "TPS drop against the mean of (a) and (d) ($base TPS): $line; (a) and (d) differ by" \
  "$(awk -v a="$(tps_of idle)" -v d="$(tps_of idle2)" 'BEGIN { printf "%.1f%%", (a > d ? a - d : d - a) * 200 / (a + d) }')"
