# PostgreSQL source: binary COPY decoding, SQLSTATE mapping and type mapping;
# MySQL source: text row decoding; without a server.
dbx_add_test(source_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/copy_decoder_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/mysql_row_decoder_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/sqlstate_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/type_mapping_test.cc
  LIBS dbx_source PkgConfig::LIBPQ PkgConfig::LIBMARIADB
  LABELS unit)
