#pragma once
// ObjectStore: where exported files go. Implementations: a local directory
// (temp file + rename on Close) and S3 (multipart upload, aborted on failure).
// A write that a dead process left open (a temp file, an S3 upload) is
// discarded by AbortIncompleteWrites.
// Keys are '/'-separated paths relative to the store's root (the bucket
// prefix, or the directory). Thread-safe: workers open writers concurrently.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/object_key.h"
#include "common/output_stream.h"
#include "common/status.h"

namespace dbexport {

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // A stream whose bytes become the object `key` on Close(); before Close()
  // nothing is visible under `key`. Abort() (or destruction) discards.
  virtual Result<std::unique_ptr<OutputStream>> OpenWrite(const std::string& key) = 0;

  // Writes a small object in one call.
  virtual Status Put(const std::string& key, const std::string& contents) = 0;

  virtual Result<std::string> Get(const std::string& key) = 0;

  // The bytes [offset, offset + length) of the object `key`, fewer when the
  // object ends first (none when `offset` is at or past its end). Reads
  // only that range: the local store with pread, S3 with a `Range:` GET.
  // A negative offset or length is InvalidArgument. The default reads the
  // whole object (Get) and cuts the range out of it.
  virtual Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) {
    if (offset < 0 || length < 0) {
      return InvalidArgument("reading " + key + ": negative range (offset " + std::to_string(offset) +
                             ", length " + std::to_string(length) + ")");
    }
    DBX_ASSIGN_OR_RETURN(std::string all, Get(key));
    if (static_cast<uint64_t>(offset) >= all.size()) return std::string();
    return all.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  virtual Status Delete(const std::string& key) = 0;

  // Discards the writes under `prefix` (a plain string prefix of keys, as in
  // List) that were started and never closed or aborted, such as those of a
  // process that died mid-export: the S3 store aborts the multipart uploads,
  // the local store deletes its temporary files. Objects already closed stay.
  // Returns how many writes were discarded.
  // REQUIRES: nothing writes under `prefix` meanwhile, in this process or
  // another: its open writes would be discarded too.
  virtual Result<int> AbortIncompleteWrites(const std::string& prefix) = 0;

  // A human-readable location, e.g. "s3://bucket/prefix" or "/abs/dir".
  virtual std::string Describe() const = 0;
};

struct LocalStoreOptions {
  // Writers stream into unnamed files (O_TMPFILE) that nothing can leave
  // behind. false, or a filesystem without O_TMPFILE: hidden named
  // temporary files, renamed on Close().
  bool unnamed_temp_files = true;
};

// The local directory store rooted at `root` (created if missing).
Result<std::unique_ptr<ObjectStore>> OpenLocalStore(const std::string& root, LocalStoreOptions options = {});

// Where a store is rooted, as a destination URL names it: a local directory
// or an S3 bucket and key prefix.
struct StoreLocation {
  std::string directory;  // the local store's root; empty for S3
  std::string s3_bucket;  // non-empty: the S3 store
  // Keys are written under it; '/' at either end is ignored. Kept as given,
  // since the RDS API and the manifest echo it.
  std::string s3_prefix;

  bool is_s3() const { return !s3_bucket.empty(); }
};

// Parses a destination URL:
//   s3://bucket[/prefix]      S3 (s3::ParseS3Url: no '/' at either end of the prefix)
//   file:///abs/dir, or a plain directory path (relative or absolute)
// Anything else (another scheme, an empty URL, no bucket) is InvalidArgument.
Result<StoreLocation> ParseStoreUrl(const std::string& url);

// What a destination needs beyond its location (S3 only for now).
struct StoreOptions {
  std::string endpoint_url;  // S3-compatible endpoint, e.g. http://127.0.0.1:9000; empty: AWS
  std::string region;        // empty: from the environment / endpoint
  std::string iam_role_arn;  // role assumed to write; empty: the caller's credentials
  // STS RoleSessionName of the assumed role (at most 64 characters), which
  // the bucket's CloudTrail records.
  std::string role_session_name = "dbexport";
  std::string kms_key_id;    // SSE-KMS key for written objects; empty: bucket default
  // How long one request may keep retrying, and how long the store may stay
  // silent before every request fails at once (docs/consistency.md).
  std::chrono::milliseconds timeout{300'000};
  // Told, in one line without secrets, each time a request is retried.
  std::function<void(const std::string&)> on_retry;
};

// Opens the store at `location`: the local directory (created if missing;
// `options` do not apply) or the S3 store (does not contact S3: see
// s3::RunPreflight). Neither a directory nor a bucket: InvalidArgument.
Result<std::unique_ptr<ObjectStore>> OpenStore(const StoreLocation& location, const StoreOptions& options);

// OpenStore(ParseStoreUrl(url), options).
Result<std::unique_ptr<ObjectStore>> OpenStoreForUrl(const std::string& url,
                                                     const StoreOptions& options);

}  // namespace dbexport
