# Unit tests of the Parquet writer: encoders, statistics, dictionaries and
# input checks on known bytes, and the file writer's contract.
dbx_add_test(parquet_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/dictionary_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/encoding_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/file_writer_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/metadata_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/statistics_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/thrift_compact_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/value_check_test.cc
  LIBS dbx_parquet
  LABELS unit)
target_include_directories(parquet_unit_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
