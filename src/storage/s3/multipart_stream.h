#pragma once
// The S3 OutputStream: bytes become s3://bucket/key through a multipart
// upload, part by part, while the writer keeps producing the next part.
//
// Call order (one thread):
//   1. Write()*   bytes fill the current part buffer. A full part is handed
//                 to a background upload (the first one also creates the
//                 multipart upload); at most `parts_in_flight` uploads run
//                 at once and Write() waits when all are busy. Memory is
//                 bounded by (parts_in_flight + 1) x part_size.
//   2. Close()    an object smaller than one part is written with a single
//                 PutObject; otherwise the last part is uploaded, all
//                 uploads are awaited and the upload completed. If anything
//                 fails, the multipart upload is aborted before Close()
//                 returns the error: nothing is left looking complete.
//   or Abort()    waits for uploads in flight, then aborts the multipart
//                 upload. Nothing becomes visible under the key.
// Sticky error: after a failure every Write()/Close() returns it.
// Destroying the stream without Close() aborts it.

#include <cstdint>
#include <memory>
#include <string>

#include "common/output_stream.h"
#include "common/status.h"
#include "storage/s3/s3_client.h"

namespace dbexport::s3 {

// S3 multipart limits (S3 User Guide, "Amazon S3 multipart upload limits").
inline constexpr int64_t kMiB = 1024 * 1024;
inline constexpr int64_t kMinPartSize = 5 * kMiB;            // all parts but the last
inline constexpr int64_t kMaxPartSize = 5 * 1024 * kMiB;     // 5 GiB
inline constexpr int kMaxParts = 10000;
// Default part: 16 MiB. Objects up to 156 GiB fit in 10,000 parts (an
// exported Parquet file is far smaller); a part is large enough that
// per-request latency is small against its transfer time, and 4 writers
// with 2 parts in flight hold 4 x 3 x 16 MiB = 192 MiB.
inline constexpr int64_t kDefaultPartSize = 16 * kMiB;
inline constexpr int kDefaultPartsInFlight = 2;

// The part size for objects up to `max_object_size` bytes (0: unknown):
// `requested` raised so the object fits in kMaxParts parts, rounded up to
// a whole MiB and clamped to [kMinPartSize, kMaxPartSize].
int64_t ChoosePartSize(int64_t requested, int64_t max_object_size);

struct MultipartOptions {
  int64_t part_size = kDefaultPartSize;
  int parts_in_flight = kDefaultPartsInFlight;
};

// REQUIRES: options.part_size in [kMinPartSize, kMaxPartSize],
// options.parts_in_flight >= 1 (ChoosePartSize and the store enforce it).
std::unique_ptr<OutputStream> MakeMultipartStream(std::shared_ptr<S3Client> client, std::string bucket,
                                                  std::string key, MultipartOptions options);

}  // namespace dbexport::s3
