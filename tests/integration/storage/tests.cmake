# S3 client against moto_server (DBX_TEST_S3_ENDPOINT), the aws CLI and the
# fault-injecting proxy (tests/tools/fault_proxy.py).
dbx_require_targets(integration/storage dbx_s3)
dbx_add_test(s3_store_test
  SOURCES storage/s3_store_test.cc storage/s3_test_util.cc
  LIBS dbx_s3 LABELS integration)
dbx_add_test(s3_auth_test
  SOURCES storage/s3_auth_test.cc storage/s3_test_util.cc
  LIBS dbx_s3 LABELS integration)
dbx_add_test(s3_fault_test
  SOURCES storage/s3_fault_test.cc storage/s3_test_util.cc
  LIBS dbx_s3 LABELS integration)
dbx_add_test(s3_stall_test
  SOURCES storage/s3_stall_test.cc storage/s3_test_util.cc
  LIBS dbx_s3 LABELS integration)

# One suite for every ObjectStore (local directory, S3 on moto).
dbx_require_targets(integration/storage dbx_s3 dbx_storage)
dbx_add_test(object_store_conformance_test
  SOURCES storage/object_store_conformance_test.cc storage/s3_test_util.cc
  LIBS dbx_s3 dbx_storage dbx_test_fault_store LABELS integration)

# Upload checksums (x-amz-checksum-sha256) as moto stores them.
dbx_add_test(s3_checksum_test
  SOURCES storage/s3_checksum_test.cc storage/s3_test_util.cc
  LIBS dbx_s3 LABELS integration)
