# What the database benchmarks share (bench/bench_util.h): shell commands,
# loading lineitem into PostgreSQL, measuring a child process.
if(TARGET dbx_bench_lineitem)
  add_library(dbx_bench_util STATIC ${CMAKE_CURRENT_SOURCE_DIR}/bench_util.cc)
  target_include_directories(dbx_bench_util PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(dbx_bench_util PUBLIC dbx_bench_lineitem)
endif()

# The export engine's benchmark: dbexport run vs PostgreSQL's raw binary COPY
# of the lineitem table (bench/export_bench.sh runs it with the servers).
if(TARGET dbexport AND TARGET dbx_bench_util)
  add_executable(export_bench ${CMAKE_CURRENT_SOURCE_DIR}/export_bench.cc)
  target_compile_definitions(export_bench PRIVATE DBX_DBEXPORT_BINARY="$<TARGET_FILE:dbexport>")
  target_link_libraries(export_bench PRIVATE dbx_bench_util)
  add_dependencies(export_bench dbexport)
endif()

# The MySQL/MariaDB source's benchmark: dbexport run vs mariadb --quick and
# mydumper on the lineitem table (bench/mysql_export_bench.sh).
if(TARGET dbexport AND TARGET dbx_bench_util)
  add_executable(mysql_export_bench ${CMAKE_CURRENT_SOURCE_DIR}/mysql_export_bench.cc)
  target_compile_definitions(mysql_export_bench PRIVATE DBX_DBEXPORT_BINARY="$<TARGET_FILE:dbexport>")
  target_link_libraries(mysql_export_bench PRIVATE dbx_bench_util)
  add_dependencies(mysql_export_bench dbexport)
endif()

# Text vs binary MySQL protocol on the same lineitem table (which the source
# reads with).
pkg_check_modules(BENCH_LIBMARIADB REQUIRED IMPORTED_TARGET libmariadb)
add_executable(mysql_protocol_bench ${CMAKE_CURRENT_SOURCE_DIR}/mysql_protocol_bench.cc)
target_link_libraries(mysql_protocol_bench PRIVATE PkgConfig::BENCH_LIBMARIADB)
