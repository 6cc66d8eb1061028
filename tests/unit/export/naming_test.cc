#include "export/naming.h"

#include <gtest/gtest.h>

#include "storage/object_store.h"

namespace dbexport::exporter {
namespace {

using namespace std::chrono;

constexpr char kRdsIdentifierMessage[] =
    "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a "
    "letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen "
    "or contain two consecutive hyphens.";

system_clock::time_point At(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

TEST(TaskIdentifier, AcceptsRdsIdentifiers) {
  for (const std::string& id : {std::string("a"), std::string("my-export"), std::string("Export-2023-07-19"),
                                std::string("x1-2-3"), std::string(60, 'a')}) {
    EXPECT_TRUE(ValidateTaskIdentifier(id).ok()) << id;
  }
}

TEST(TaskIdentifier, RejectsWithTheRdsMessage) {
  for (const char* id : {"1abc", "-abc", "abc-", "a--b", "a_b", "a.b", "a b", "ab\xc3\xa9"}) {
    Status s = ValidateTaskIdentifier(id);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << id;
    EXPECT_EQ(s.message(), kRdsIdentifierMessage) << id;
  }
}

TEST(TaskIdentifier, RejectsEmptyAndTooLong) {
  for (const std::string& id : {std::string(), std::string(61, 'a')}) {
    Status s = ValidateTaskIdentifier(id);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(),
              "The parameter ExportTaskIdentifier is not a valid identifier. It must be 1 to 60 characters long.");
  }
}

TEST(RdsIdentifier, Rule) {
  EXPECT_TRUE(IsValidRdsIdentifier("a", 60));
  EXPECT_TRUE(IsValidRdsIdentifier("my-export-1", 60));
  EXPECT_FALSE(IsValidRdsIdentifier("", 60));
  EXPECT_FALSE(IsValidRdsIdentifier("1abc", 60));
  EXPECT_FALSE(IsValidRdsIdentifier("abc-", 60));
  EXPECT_FALSE(IsValidRdsIdentifier("a--b", 60));
  EXPECT_FALSE(IsValidRdsIdentifier("a_b", 60));
  EXPECT_FALSE(IsValidRdsIdentifier("caf\xc3\xa9", 60));
  EXPECT_TRUE(IsValidRdsIdentifier(std::string(60, 'a'), 60));
  EXPECT_FALSE(IsValidRdsIdentifier(std::string(61, 'a'), 60));
}

TEST(TaskIdentifier, DefaultIsTimestampedAndValid) {
  std::string id = DefaultTaskIdentifier(At(2023, 7, 19, 23, 21, 5));
  EXPECT_EQ(id, "export-20230719-232105");
  EXPECT_TRUE(ValidateTaskIdentifier(id).ok());
}

TEST(PathNaming, SanitizesTheHostedExportCharacters) {
  EXPECT_EQ(SanitizePathSegment("my table"), "my_table");
  EXPECT_EQ(SanitizePathSegment("a\\b`c\"d e"), "a_b_c_d_e");
  EXPECT_EQ(SanitizePathSegment("a/b"), "a_b");
  EXPECT_EQ(SanitizePathSegment("Grüße$_1"), "Grüße$_1");
}

TEST(PathNaming, EverySegmentIsAValidKeySegment) {
  EXPECT_EQ(SanitizePathSegment(""), "_");
  EXPECT_EQ(SanitizePathSegment("."), "_");
  EXPECT_EQ(SanitizePathSegment(".."), "__");
  EXPECT_EQ(SanitizePathSegment("..."), "...");
  EXPECT_EQ(SanitizePathSegment("a\nb\x1b\x7f"), "a_b__");
  EXPECT_EQ(TablePrefix("t", "..", "", ""), "t/__/_/");
  EXPECT_EQ(TablePrefix("t", "db", ".", ""), "t/db/__/");
  for (const std::string& name : {std::string(""), std::string("."), std::string(".."), std::string("a/../b"),
                                  std::string("\r\n"), std::string("/")}) {
    std::string key = DataFileKey(TablePrefix("t", name, name, name), 0, 0, "u", parquet::Codec::kGzip);
    EXPECT_TRUE(CheckObjectKey(key).ok()) << key;
  }
}

TEST(PathNaming, TablesThatSanitizeAlikeGetDistinctFolders) {
  std::vector<TableName> tables = {
      {"db", "public", "a b"}, {"db", "public", "a_b"}, {"db", "public", "a\"b"}, {"db", "public", "a_b-2"}};
  std::vector<std::string> prefixes = DistinctTablePrefixes("t", tables);
  // a_b needs no sanitizing and keeps its folder, as does a_b-2; the others
  // follow in byte order: "a b" < "a\"b".
  EXPECT_EQ(prefixes, (std::vector<std::string>{"t/db/public.a_b-3/", "t/db/public.a_b/", "t/db/public.a_b-4/",
                                                "t/db/public.a_b-2/"}));
  // The same set in another order gets the same folders.
  std::vector<TableName> reversed(tables.rbegin(), tables.rend());
  std::vector<std::string> again = DistinctTablePrefixes("t", reversed);
  EXPECT_EQ(std::vector<std::string>(again.rbegin(), again.rend()), prefixes);
  // Databases too.
  EXPECT_EQ(DistinctTablePrefixes("t", {{"x y", "s", "t"}, {"x_y", "s", "t"}}),
            (std::vector<std::string>{"t/x_y/s.t-2/", "t/x_y/s.t/"}));
}

TEST(PathNaming, TablePrefixAndDataFileKey) {
  std::string prefix = TablePrefix("exp-1", "shop db", "public", "order \"items\"");
  EXPECT_EQ(prefix, "exp-1/shop_db/public.order__items_/");
  EXPECT_EQ(DataFileKey(prefix, 3, 0, "c5a881bb-58ff-4ee6-1111-b41ecff340a3", parquet::Codec::kGzip),
            "exp-1/shop_db/public.order__items_/3/part-00000-c5a881bb-58ff-4ee6-1111-b41ecff340a3-c000.gz.parquet");
  EXPECT_EQ(DataFileKey("t/d/s.x/", 0, 12, "u", parquet::Codec::kSnappy), "t/d/s.x/0/part-00012-u-c000.snappy.parquet");
  EXPECT_EQ(DataFileKey("t/d/s.x/", 1, 1, "u", parquet::Codec::kZstd), "t/d/s.x/1/part-00001-u-c000.zstd.parquet");
  EXPECT_EQ(DataFileKey("t/d/s.x/", 2, 0, "u", parquet::Codec::kUncompressed), "t/d/s.x/2/part-00000-u-c000.parquet");
}

TEST(PathNaming, ManifestKeys) {
  EXPECT_EQ(ExportInfoKey("exp-1"), "exp-1/export_info_exp-1.json");
  EXPECT_EQ(TablesInfoKey("exp-1", 101, 200), "exp-1/export_tables_info_exp-1_from_101_to_200.json");
  EXPECT_EQ(SuccessMarkerKey("exp-1"), "exp-1/_SUCCESS");
  EXPECT_EQ(SuccessMarkerKey("a b"), "a_b/_SUCCESS");
}

TEST(ManifestTime, FormatsAsTheHostedExport) {
  EXPECT_EQ(FormatManifestTime(At(2023, 7, 19, 23, 21, 0)), "Jul 19, 2023, 11:21:00 PM");
  EXPECT_EQ(FormatManifestTime(At(2024, 1, 2, 0, 5, 9)), "Jan 2, 2024, 12:05:09 AM");
  EXPECT_EQ(FormatManifestTime(At(2024, 12, 31, 12, 0, 0)), "Dec 31, 2024, 12:00:00 PM");
  EXPECT_EQ(FormatManifestTime(At(2024, 3, 9, 9, 59, 59)), "Mar 9, 2024, 9:59:59 AM");
}

TEST(ManifestTime, Iso8601WithMilliseconds) {
  EXPECT_EQ(FormatIso8601(At(2022, 10, 31, 20, 58, 6, 998)), "2022-10-31T20:58:06.998Z");
  EXPECT_EQ(FormatIso8601(At(2022, 1, 1, 0, 0, 0)), "2022-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace dbexport::exporter
