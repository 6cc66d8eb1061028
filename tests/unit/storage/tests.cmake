# S3 client unit tests (no server).
dbx_require_targets(unit/storage dbx_s3)
dbx_add_test(s3_sigv4_test SOURCES storage/s3_sigv4_test.cc LIBS dbx_s3 LABELS unit)
dbx_add_test(s3_client_test SOURCES storage/s3_client_test.cc LIBS dbx_s3 LABELS unit)
dbx_add_test(s3_deadline_test SOURCES storage/s3_deadline_test.cc LIBS dbx_s3 LABELS unit)
