#pragma once
// Random version-4 UUIDs: data file names, request ids, event ids.
// Thread-safe.

#include <string>

namespace dbexport {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (y is 8, 9, a or b), lowercase hex.
std::string NewUuid();

}  // namespace dbexport
