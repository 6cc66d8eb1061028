# The verify component: the Parquet footer reader, the page check (--deep)
# on files the writer makes in memory, and VerifyExport over a local store
# (no server).
dbx_add_test(verify_test
  SOURCES verify/parquet_footer_test.cc verify/page_reader_test.cc verify/verify_export_test.cc
  LIBS dbx_verify dbx_parquet nlohmann_json::nlohmann_json
  LABELS unit)
