# The service end to end: `dbexport serve` against the PostgreSQL and moto servers scripts/test started,
# driven by the real `aws` CLI and boto3 (python3 unittest modules); test_console drives the web console
# in headless Chromium (tests/tools/console_e2e.mjs).
foreach(module test_api test_export test_restart test_hardening test_http_hostile test_console test_throttle)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${module}.py)
    add_test(NAME service_${module}
             COMMAND python3 -m unittest -v ${module}
             WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
    set_tests_properties(service_${module} PROPERTIES
      LABELS integration
      TIMEOUT 900
      ENVIRONMENT "DBX_SERVE_BIN=$<TARGET_FILE:dbexport> serve;DBX_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1")
  endif()
endforeach()
