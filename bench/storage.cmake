# The S3 store's benchmark: the same payload to a local directory and to S3.
if(TARGET dbx_s3 AND TARGET dbx_storage)
  add_executable(s3_bench ${CMAKE_CURRENT_SOURCE_DIR}/s3_bench.cc)
  target_link_libraries(s3_bench PRIVATE dbx_storage dbx_s3)
endif()
