#include "common/printable.h"

#include <gtest/gtest.h>

namespace dbexport {
namespace {

TEST(Printable, KeepsPrintableAsciiAndValidUtf8) {
  EXPECT_EQ(Printable("plain text, 100% [ok]"), "plain text, 100% [ok]");
  EXPECT_EQ(Printable("Grüße 東京 🎉"), "Grüße 東京 🎉");
}

TEST(Printable, EscapesControlCharactersAndDel) {
  EXPECT_EQ(Printable("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
  EXPECT_EQ(Printable("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(Printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(Printable("\x7f"), "\\x7f");
}

TEST(Printable, EscapesInvalidUtf8) {
  EXPECT_EQ(Printable("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(Printable("\xc3"), "\\xc3");                  // cut short
  EXPECT_EQ(Printable("\xc0\xaf"), "\\xc0\\xaf");          // overlong '/'
  EXPECT_EQ(Printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(Printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(Printable("\xc2\x85"), "\xc2\x85");  // U+0085 is valid UTF-8
}

}  // namespace
}  // namespace dbexport
