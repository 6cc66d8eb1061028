#include <gtest/gtest.h>

#include "export/export.h"
#include "export/export_internal.h"

namespace dbexport::exporter {
namespace {

TEST(ExportOnly, AcceptsDatabaseSchemaAndTableEntries) {
  EXPECT_TRUE(ValidateExportOnly({}).ok());
  EXPECT_TRUE(ValidateExportOnly({"shop", "shop.public", "shop.public.orders", "A$_9.b.C"}).ok());
}

TEST(ExportOnly, RejectsBadCharactersNamingTheEntry) {
  Status s = ValidateExportOnly({"shop", "shop.public.order-items"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "invalid export-only entry 'shop.public.order-items': name 'order-items' may contain only A-Z, a-z, "
            "0-9, $ and _");
  s = ValidateExportOnly({"my db"});
  EXPECT_EQ(s.message(), "invalid export-only entry 'my db': name 'my db' may contain only A-Z, a-z, 0-9, $ and _");
  s = ValidateExportOnly({"caf\xc3\xa9"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(ExportOnly, RejectsBadShapes) {
  EXPECT_EQ(ValidateExportOnly({"a.b.c.d"}).message(),
            "invalid export-only entry 'a.b.c.d': expected database, database.schema or database.schema.table");
  EXPECT_EQ(ValidateExportOnly({"a..c"}).message(), "invalid export-only entry 'a..c': a name is empty");
  EXPECT_EQ(ValidateExportOnly({"a."}).message(), "invalid export-only entry 'a.': a name is empty");
  EXPECT_EQ(ValidateExportOnly({""}).message(), "invalid export-only entry '': the entry is empty");
}

TEST(ExportOnly, RejectsListsAboveTheApiLimit) {
  std::vector<std::string> entries(2100, std::string(100, 'a'));
  Status s = ValidateExportOnly(entries);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "export-only list is 210000 bytes, above the limit of 204800");
}

TEST(ExportOnly, ParsesIntoFilterEntries) {
  auto entries = ParseExportOnly({"shop", "shop.public", "shop.public.orders"});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].database, "shop");
  EXPECT_EQ(entries[0].schema, "");
  EXPECT_EQ(entries[1].schema, "public");
  EXPECT_EQ(entries[1].table, "");
  EXPECT_EQ(entries[2].database, "shop");
  EXPECT_EQ(entries[2].schema, "public");
  EXPECT_EQ(entries[2].table, "orders");
}

}  // namespace
}  // namespace dbexport::exporter
