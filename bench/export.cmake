# The export engine's benchmark: dbexport run vs PostgreSQL's raw binary COPY
# of the lineitem table (bench/export_bench.sh runs it with the servers).
if(TARGET dbexport AND TARGET dbx_bench_lineitem)
  add_executable(export_bench ${CMAKE_CURRENT_SOURCE_DIR}/export_bench.cc)
  target_compile_definitions(export_bench PRIVATE DBX_DBEXPORT_BINARY="$<TARGET_FILE:dbexport>")
  target_link_libraries(export_bench PRIVATE dbx_bench_lineitem)
  add_dependencies(export_bench dbexport)
endif()
