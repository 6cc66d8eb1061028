# The service's benchmark: an export through the RDS API vs `dbexport run`
# of the same table to the same S3 endpoint (bench/service_bench.cc).
if(TARGET dbexport AND TARGET dbx_bench_util)
  pkg_check_modules(SERVICE_BENCH_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
  add_executable(service_bench ${CMAKE_CURRENT_SOURCE_DIR}/service_bench.cc)
  target_compile_definitions(service_bench PRIVATE
    DBX_DBEXPORT_BINARY="$<TARGET_FILE:dbexport>")
  target_link_libraries(service_bench PRIVATE dbx_bench_util dbx_s3 PkgConfig::SERVICE_BENCH_HTTPLIB)
  add_dependencies(service_bench dbexport)
endif()
