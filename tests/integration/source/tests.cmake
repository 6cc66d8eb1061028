# PostgreSQL source against the real PostgreSQL 15 server (DBX_TEST_PG_URL).
# Each test uses its own srctest_* database.
dbx_add_test(source_postgres_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/pg_test_util.cc
    ${CMAKE_CURRENT_LIST_DIR}/postgres_types_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/postgres_catalog_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/postgres_chunks_test.cc
  LIBS dbx_source PkgConfig::LIBPQ
  LABELS integration)

# One suite for every Source implementation (PostgreSQL and MariaDB).
dbx_add_test(source_conformance_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/source_conformance_test.cc
  LIBS dbx_source
  LABELS integration)
