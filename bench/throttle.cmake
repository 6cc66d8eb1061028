# The source throttle's benchmark (bench/pgbench_bench.sh): pgbench's TPS and
# latency with no export, a full-speed export and a --max-rate export of
# lineitem; lineitem_load loads the table for it.
if(TARGET dbx_bench_util)
  add_executable(lineitem_load ${CMAKE_CURRENT_SOURCE_DIR}/lineitem_load.cc)
  target_link_libraries(lineitem_load PRIVATE dbx_bench_util)
endif()
