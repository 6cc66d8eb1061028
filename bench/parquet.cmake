# The Parquet writer's benchmark and the lineitem generator other
# benchmarks reuse.
add_library(dbx_bench_lineitem STATIC ${CMAKE_CURRENT_SOURCE_DIR}/lineitem.cc)
target_include_directories(dbx_bench_lineitem PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(dbx_bench_lineitem PUBLIC dbx_parquet)

add_executable(parquet_writer_bench ${CMAKE_CURRENT_SOURCE_DIR}/parquet_writer_bench.cc)
target_compile_definitions(parquet_writer_bench PRIVATE DBX_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_libraries(parquet_writer_bench PRIVATE dbx_bench_lineitem)
