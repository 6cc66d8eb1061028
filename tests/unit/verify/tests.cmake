dbx_add_test(verify_test
  SOURCES verify/parquet_footer_test.cc
  LIBS dbx_verify
  LABELS unit)
