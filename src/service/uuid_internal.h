#pragma once
// Random version-4 UUIDs for request ids and event ids. Thread-safe.

#include <string>

namespace dbexport::service {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase hex.
std::string NewUuid();

}  // namespace dbexport::service
