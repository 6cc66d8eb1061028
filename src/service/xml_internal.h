#pragma once
// A minimal XML writer for the Query API responses: elements and escaped
// text, nothing else. Text that is not valid UTF-8, and characters XML 1.0
// cannot carry (most C0 controls), become U+FFFD so that every response
// parses.

#include <string>
#include <string_view>

namespace dbexport::service {

// Escapes & < > " and replaces characters XML cannot carry.
std::string XmlEscape(std::string_view text);

class XmlWriter {
 public:
  // <name> or <name xmlns="...">.
  void Open(std::string_view name, std::string_view xmlns = {});
  void Close(std::string_view name);
  // <name>escaped text</name>
  void Element(std::string_view name, std::string_view text);

  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace dbexport::service
