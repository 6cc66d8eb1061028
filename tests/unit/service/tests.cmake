# The service's unit tests: configuration, task store, state machine (with a
# scripted runner in place of the engine), Query API, SigV4 verification,
# webhook delivery (to a loopback receiver), XML and metrics, HTTP routing
# and refusals.
pkg_check_modules(SERVICE_TEST_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(SQLite3 REQUIRED)
dbx_add_test(service_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/config_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/engine_runner_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/http_routes_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/notifier_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/query_api_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/request_auth_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/task_manager_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/task_store_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/throttle_config_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/xml_metrics_test.cc
  LIBS dbx_service PkgConfig::SERVICE_TEST_HTTPLIB SQLite::SQLite3 nlohmann_json::nlohmann_json
  LABELS unit)

# The web console's modules that need no page (src/service/console/sigv4.js,
# fields.js) under Node: SigV4 against node:crypto, error-to-field mapping.
add_test(NAME console_js_test
         COMMAND node ${PROJECT_SOURCE_DIR}/tests/tools/console_js_test.mjs ${PROJECT_SOURCE_DIR})
set_tests_properties(console_js_test PROPERTIES LABELS unit TIMEOUT 60)
