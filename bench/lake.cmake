# The catalog files' cost for a large export (docs/catalog.md).
add_executable(catalog_bench ${CMAKE_CURRENT_SOURCE_DIR}/catalog_bench.cc)
target_link_libraries(catalog_bench PRIVATE dbx_lake dbx_storage dbx_bench_lineitem)
