# Unit tests of the Parquet writer: encoders and checks on known bytes.
dbx_add_test(parquet_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/thrift_compact_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/encoding_test.cc
  LIBS dbx_parquet
  LABELS unit)
target_include_directories(parquet_unit_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
