#pragma once
// The S3 OutputStream: bytes become s3://bucket/key through a multipart
// upload, part by part, while the writer keeps producing the next part.
//
// Call order (one thread):
//   1. Write()*   bytes fill the current part buffer. A full part is handed
//                 to a background upload (the first one also creates the
//                 multipart upload); at most `parts_in_flight` uploads run
//                 at once and Write() waits when all are busy. Memory is
//                 bounded by (parts_in_flight + 1) x the current part size
//                 (PartSizeFor: part_size for the first 1,000 parts).
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
// Default first part size: 8 MiB, as the AWS CLI and SDKs use. A part is
// still large enough that per-request latency is small against its
// transfer time, and 4 writers with 2 parts in flight hold
// 4 x 3 x 8 MiB = 96 MiB (16 MiB parts held 192 MiB, more than a third of
// an export's 512 MiB budget at 4 workers).
inline constexpr int64_t kDefaultPartSize = 8 * kMiB;
inline constexpr int kDefaultPartsInFlight = 2;
// The part size doubles after every kPartsPerSizeStep parts (up to
// kMaxPartSize), so that any object fits in kMaxParts parts whatever the
// first part size: from 8 MiB, 10,000 parts hold 7.8 TiB, beyond S3's 5 TiB
// object maximum. Objects under 1,000 first parts (7.8 GiB at 8 MiB) never
// grow, so their memory stays (parts_in_flight + 1) x the first size.
inline constexpr int kPartsPerSizeStep = 1000;

// The part size for objects up to `max_object_size` bytes (0: unknown):
// `requested` raised so the object fits in kMaxParts parts, rounded up to
// a whole MiB and clamped to [kMinPartSize, kMaxPartSize].
int64_t ChoosePartSize(int64_t requested, int64_t max_object_size);

// The size of part `part_number` (1-based; all but the last part of an
// object have exactly this size) when the first parts have
// `first_part_size` bytes: doubled every kPartsPerSizeStep parts, at most
// kMaxPartSize.
int64_t PartSizeFor(int part_number, int64_t first_part_size);

struct MultipartOptions {
  int64_t part_size = kDefaultPartSize;  // of the first kPartsPerSizeStep parts
  int parts_in_flight = kDefaultPartsInFlight;
};

// REQUIRES: options.part_size in [kMinPartSize, kMaxPartSize],
// options.parts_in_flight >= 1 (ChoosePartSize and the store enforce it).
std::unique_ptr<OutputStream> MakeMultipartStream(std::shared_ptr<S3Client> client, std::string bucket,
                                                  std::string key, MultipartOptions options);

}  // namespace dbexport::s3
