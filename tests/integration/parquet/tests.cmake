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

# The benchmark's lineitem generator: PostgreSQL COPY text, CSV and Parquet
# forms agree.
dbx_add_test(parquet_lineitem_generator_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/lineitem_generator_test.cc
    ${PROJECT_SOURCE_DIR}/bench/lineitem.cc
  LIBS dbx_parquet
  LABELS integration)
target_include_directories(parquet_lineitem_generator_test PRIVATE ${PROJECT_SOURCE_DIR}/bench)
