#include "common/ascii.h"

#include <gtest/gtest.h>

namespace dbexport {
namespace {

TEST(Ascii, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(AsciiLower("KiB 09_@[`{"), "kib 09_@[`{");
  EXPECT_EQ(AsciiLower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(Ascii, EqualsIgnoringCase) {
  EXPECT_TRUE(EqualsIgnoreAsciiCase("Authorization", "authorization"));
  EXPECT_TRUE(EqualsIgnoreAsciiCase("", ""));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("host", "hosts"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("x-amz-date", "x_amz_date"));
  EXPECT_FALSE(EqualsIgnoreAsciiCase("\xC3\x89", "\xC3\xA9"));
}

}  // namespace
}  // namespace dbexport
