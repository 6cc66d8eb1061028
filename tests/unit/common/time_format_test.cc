#include "common/time_format.h"

#include <gtest/gtest.h>

namespace dbexport {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(TimeFormat, FormatsMillisecondsSinceTheEpoch) {
  EXPECT_EQ(FormatIso8601(int64_t{1667324206961}), "2022-11-01T17:36:46.961Z");
  EXPECT_EQ(FormatIso8601(int64_t{0}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(int64_t{-1500}), "1969-12-31T23:59:58.500Z");
}

TEST(TimeFormat, FormatsTimePointsTruncatedToTheMillisecond) {
  system_clock::time_point t{milliseconds(1667324206961)};
  EXPECT_EQ(FormatIso8601(t), "2022-11-01T17:36:46.961Z");
  EXPECT_EQ(FormatIso8601(t + std::chrono::microseconds(999)), "2022-11-01T17:36:46.961Z");
  EXPECT_EQ(FormatIso8601(system_clock::time_point{milliseconds(-1500)}), "1969-12-31T23:59:58.500Z");
}

TEST(TimeFormat, ParsesTheEngineAndStsForms) {
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46.961Z"), std::optional<int64_t>(1667324206961));
  EXPECT_EQ(ParseIso8601("2022-11-01 17:36:46.961234+00"), std::optional<int64_t>(1667324206961));
  EXPECT_EQ(ParseIso8601("2022-11-01T19:36:46+02:00"), std::optional<int64_t>(1667324206000));
  EXPECT_EQ(ParseIso8601("2022-11-01T15:36:46-0200"), std::optional<int64_t>(1667324206000));
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46"), std::optional<int64_t>(1667324206000));
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46.5Z"), std::optional<int64_t>(1667324206500));
}

TEST(TimeFormat, RejectsOtherText) {
  EXPECT_EQ(ParseIso8601("yesterday"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46.Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46 UTC"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2022-11-01X17:36:46Z"), std::nullopt);
}

TEST(TimeFormat, RoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{1667324206961}, int64_t{4102444799999}}) {
    EXPECT_EQ(ParseIso8601(FormatIso8601(t)), std::optional<int64_t>(t));
  }
}

TEST(TimeFormat, UtcFieldsToUnixMs) {
  EXPECT_EQ(UtcFieldsToUnixMs(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(UtcFieldsToUnixMs(2022, 11, 1, 17, 36, 46), 1667324206000);
}

}  // namespace
}  // namespace dbexport
