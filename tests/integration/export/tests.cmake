# Export engine and dbexport CLI against the real PostgreSQL 15, every file
# read back by DuckDB.
dbx_require_targets(integration/export dbexport dbx_export)
find_package(nlohmann_json REQUIRED)
dbx_add_test(export_integration_test
  SOURCES
    export/export_test_util.cc
    export/types_test.cc
    export/layout_test.cc
    export/consistency_test.cc
    export/bad_input_test.cc
    export/engine_test.cc
    export/fault_test.cc
    export/mysql_export_test.cc
    export/verify_test.cc
    export/reader_matrix_test.cc
    export/throttle_test.cc
    export/verify_deep_test.cc
    export/verify_counts_test.cc
    export/standby_test.cc
  LIBS dbx_export dbx_storage dbx_source dbx_test_fault_store nlohmann_json::nlohmann_json PkgConfig::LIBPQ
  LABELS integration
  TIMEOUT 900)
target_include_directories(export_integration_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/export)
add_dependencies(export_integration_test dbexport)

# dbexport run against moto through the fault proxy: a store that stops
# answering mid-export (one test pauses it for 5 minutes).
dbx_require_targets(integration/export dbexport dbx_s3)
dbx_add_test(export_store_fault_test
  SOURCES
    export/export_test_util.cc
    export/store_fault_test.cc
    storage/s3_test_util.cc
  LIBS dbx_s3 nlohmann_json::nlohmann_json
  LABELS integration
  TIMEOUT 900
  COST 1000)
target_include_directories(export_store_fault_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/export)
add_dependencies(export_store_fault_test dbexport)

# Catalog files (Athena DDL, DuckDB script, Iceberg metadata) of dbexport run,
# read by DuckDB and icebird, against PostgreSQL and moto.
dbx_add_test(catalog_integration_test
  SOURCES
    export/export_test_util.cc
    export/catalog_test.cc
  LIBS dbx_common nlohmann_json::nlohmann_json
  LABELS integration
  TIMEOUT 900)
target_include_directories(catalog_integration_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/export)
add_dependencies(catalog_integration_test dbexport)
