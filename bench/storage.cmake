# The S3 store's benchmarks.
# s3_bench: the same generated payload through the ObjectStore interface to a
# local directory and to S3 (the storage layer alone).
if(TARGET dbx_s3 AND TARGET dbx_storage)
  add_executable(s3_bench ${CMAKE_CURRENT_SOURCE_DIR}/s3_bench.cc)
  target_link_libraries(s3_bench PRIVATE dbx_storage dbx_s3)
endif()

# s3_export_bench: `dbexport run` of lineitem to S3 vs to a local directory
# vs to an S3 sink that discards the bytes (bench/s3_export_bench.sh runs it
# with the servers).
if(TARGET dbexport AND TARGET dbx_bench_util)
  pkg_check_modules(S3_BENCH_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
  add_executable(s3_export_bench ${CMAKE_CURRENT_SOURCE_DIR}/s3_export_bench.cc
                                 ${CMAKE_CURRENT_SOURCE_DIR}/discard_s3_sink.cc)
  target_compile_definitions(s3_export_bench PRIVATE DBX_DBEXPORT_BINARY="$<TARGET_FILE:dbexport>")
  target_link_libraries(s3_export_bench PRIVATE dbx_bench_util PkgConfig::S3_BENCH_HTTPLIB)
  add_dependencies(s3_export_bench dbexport)
endif()
