#pragma once
// Text from outside (names, header values, server messages) made safe for a
// log line or a terminal: control characters, DEL and bytes that are not
// valid UTF-8 become \xNN, so that nothing can forge a line, move the
// cursor or break a log parser. Valid UTF-8 is kept as it is.

#include <string>
#include <string_view>

namespace dbexport {

std::string Printable(std::string_view text);

}  // namespace dbexport
