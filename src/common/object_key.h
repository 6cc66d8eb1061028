#pragma once
// Object keys, the names of everything an export writes (storage/object_store.h).

#include <string_view>

#include "common/status.h"

namespace dbexport {

// Keys name exactly one object whatever a client library or a file system
// makes of them: '/'-separated segments, none empty, "." or "..", none
// holding a control character (below 0x20, or 0x7F). Every store refuses
// other keys with InvalidArgument; the message quotes the key escaped.
Status CheckObjectKey(std::string_view key);
// A prefix of keys, as List takes it: its part up to the last '/' must be
// segments as in a key ("" and "task/db/sch" are fine, "../" and "/x" are not).
Status CheckKeyPrefix(std::string_view prefix);
// A store's root prefix as a user gives it (S3Prefix, s3://bucket/prefix):
// '/' at either end is ignored, the rest must be segments as in a key.
Status CheckRootPrefix(std::string_view prefix);

}  // namespace dbexport
