#include "common/object_key.h"

#include <string>

#include "common/ascii.h"
#include "common/printable.h"

namespace dbexport {
namespace {

// What is wrong with the '/'-separated segments of `path` ("" when nothing).
std::string SegmentProblem(std::string_view path) {
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view segment = path.substr(start, slash - start);
    if (segment.empty()) return "it has an empty segment ('//', or '/' at an end)";
    if (segment == "." || segment == "..") return "it has a '" + std::string(segment) + "' segment";
    for (char c : segment) {
      if (IsAsciiControl(c)) return "it holds a control character";
    }
    if (slash == std::string_view::npos) return "";
    start = slash + 1;
  }
}

}  // namespace

Status CheckObjectKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("object key is empty");
  std::string problem = SegmentProblem(key);
  if (problem.empty()) return Status::OK();
  return InvalidArgument("object key '" + Printable(key) + "' is not valid: " + problem);
}

Status CheckKeyPrefix(std::string_view prefix) {
  size_t slash = prefix.rfind('/');
  if (slash == std::string_view::npos) return Status::OK();
  std::string problem = SegmentProblem(prefix.substr(0, slash));
  if (problem.empty()) return Status::OK();
  return InvalidArgument("key prefix '" + Printable(prefix) + "' is not valid: " + problem);
}

Status CheckRootPrefix(std::string_view prefix) {
  std::string_view inner = prefix;
  while (!inner.empty() && inner.front() == '/') inner.remove_prefix(1);
  while (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
  if (inner.empty()) return Status::OK();
  std::string problem = SegmentProblem(inner);
  if (problem.empty()) return Status::OK();
  return InvalidArgument("key prefix '" + Printable(prefix) + "' is not valid: " + problem);
}

}  // namespace dbexport
