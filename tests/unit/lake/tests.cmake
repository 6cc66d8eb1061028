# The lake component: type mappings, Iceberg bounds, DDL and script text,
# the Avro container framing (no server).
dbx_add_test(lake_test
  SOURCES lake/catalog_unit_test.cc
  LIBS dbx_lake dbx_parquet
  LABELS unit)
