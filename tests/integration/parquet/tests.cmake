# The Parquet writer against an independent reader: DuckDB reads every file
# back (values, types, statistics, row group pruning); layout_check decodes
# footers, page headers and page indexes on its own.
dbx_add_test(parquet_duckdb_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/all_types_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/features_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/layout_check.cc
    ${CMAKE_CURRENT_LIST_DIR}/thrift_decoder.cc
  LIBS dbx_parquet
  LABELS integration)
target_include_directories(parquet_duckdb_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
