#include "common/status.h"

#include <gtest/gtest.h>

namespace dbexport {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgument("odd value " + std::to_string(v));
  return v / 2;
}

Result<int> Quarter(int v) {
  DBX_ASSIGN_OR_RETURN(int h, Half(v));
  DBX_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckPositive(int v) {
  if (v <= 0) return OutOfRange("not positive");
  return Status::OK();
}

Status CheckBoth(int a, int b) {
  DBX_RETURN_IF_ERROR(CheckPositive(a));
  DBX_RETURN_IF_ERROR(CheckPositive(b));
  return Status::OK();
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Unavailable("S3 503 SlowDown");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.ToString(), "Unavailable: S3 503 SlowDown");
}

TEST(Status, WithContextPrefixesMessageAndKeepsCode) {
  Status s = PermissionDenied("permission denied (SQLSTATE 42501)").WithContext("exporting table shop.public.orders");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "exporting table shop.public.orders: permission denied (SQLSTATE 42501)");
}

TEST(Result, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), InvalidArgument("odd value 3"));
}

TEST(Result, ReturnIfErrorStopsAtFirstFailure) {
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  EXPECT_EQ(CheckBoth(1, -1).code(), StatusCode::kOutOfRange);
}

TEST(Result, FromOkStatusIsInternalError) {
  Result<int> r{Status::OK()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace dbexport
