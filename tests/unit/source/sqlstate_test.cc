#include <gtest/gtest.h>

#include "source/postgres/connection_internal.h"

namespace dbexport::source::postgres {
namespace {

TEST(PostgresSqlState, MapsEachClassToARetryableOrFinalCode) {
  struct Case {
    const char* sqlstate;
    StatusCode code;
  };
  const Case cases[] = {
      {"42501", StatusCode::kPermissionDenied},    // insufficient_privilege
      {"57014", StatusCode::kCancelled},           // query_canceled
      {"08006", StatusCode::kUnavailable},         // connection_failure
      {"08001", StatusCode::kUnavailable},         // sqlclient_unable_to_establish_sqlconnection
      {"57P01", StatusCode::kUnavailable},         // admin_shutdown
      {"53300", StatusCode::kUnavailable},         // too_many_connections
      {"55P03", StatusCode::kUnavailable},         // lock_not_available
      {"40001", StatusCode::kAborted},             // serialization_failure
      {"40P01", StatusCode::kAborted},             // deadlock_detected
      {"25P02", StatusCode::kAborted},             // in_failed_sql_transaction
      {"3D000", StatusCode::kNotFound},            // invalid_catalog_name
      {"42P01", StatusCode::kNotFound},            // undefined_table
      {"42703", StatusCode::kNotFound},            // undefined_column
      {"3F000", StatusCode::kNotFound},            // invalid_schema_name
      {"28P01", StatusCode::kUnauthenticated},     // invalid_password
      {"28000", StatusCode::kUnauthenticated},     // invalid_authorization_specification
      {"53100", StatusCode::kResourceExhausted},   // disk_full
      {"53200", StatusCode::kResourceExhausted},   // out_of_memory
      {"54000", StatusCode::kResourceExhausted},   // program_limit_exceeded
      {"22003", StatusCode::kOutOfRange},          // numeric_value_out_of_range
      {"22023", StatusCode::kFailedPrecondition},  // invalid_parameter_value (bad snapshot id)
      {"25006", StatusCode::kFailedPrecondition},  // read_only_sql_transaction
      {"0A000", StatusCode::kUnimplemented},       // feature_not_supported
      {"42601", StatusCode::kInvalidArgument},     // syntax_error
      {"58030", StatusCode::kIoError},             // io_error
      {"XX000", StatusCode::kInternal},            // internal_error
      {"P0001", StatusCode::kUnknown},             // raise_exception
      {"", StatusCode::kUnavailable},              // no server error: connection lost
  };
  for (const Case& c : cases) {
    EXPECT_EQ(StatusCodeForSqlState(c.sqlstate), c.code) << c.sqlstate;
  }
}

TEST(PostgresSqlState, ErrorStatusNamesContextAndSqlState) {
  Status st = PgErrorStatus(nullptr, nullptr, "exporting table db.public.t");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.message(), "exporting table db.public.t: no connection");
}

TEST(PostgresSqlState, QuotesIdentifiersAndLiterals) {
  EXPECT_EQ(QuoteIdent("a\"b c"), "\"a\"\"b c\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

}  // namespace
}  // namespace dbexport::source::postgres
