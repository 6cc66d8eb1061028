# Sources without a server: URL parsing, PostgreSQL binary COPY decoding,
# SQLSTATE mapping and type mapping, MySQL text row decoding.
dbx_add_test(source_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/copy_decoder_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/mysql_row_decoder_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/sqlstate_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/type_mapping_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/source_url_test.cc
  LIBS dbx_source PkgConfig::LIBPQ PkgConfig::LIBMARIADB
  LABELS unit)
