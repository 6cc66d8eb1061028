# Export engine, CLI helpers and local store: unit tests (no server).
dbx_require_targets(unit/export dbx_export dbx_cli)
find_package(nlohmann_json REQUIRED)
dbx_add_test(export_unit_test
  SOURCES
    export/naming_test.cc
    export/export_only_test.cc
    export/manifest_test.cc
    export/progress_test.cc
    export/cli_flags_test.cc
    export/export_spec_test.cc
    export/rate_limiter_test.cc
    export/throttle_flags_test.cc
  LIBS dbx_export dbx_cli nlohmann_json::nlohmann_json
  LABELS unit)
dbx_require_targets(unit/export dbx_storage)
dbx_add_test(local_store_test SOURCES storage/local_store_test.cc LIBS dbx_storage LABELS unit)
