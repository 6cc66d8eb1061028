#include "parquet/compression_internal.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <limits>
#include <string>
#include <vector>

namespace dbexport::parquet {
namespace {

// Highest ISA-L igzip level (igzip_lib.h ISAL_DEF_MAX_LEVEL).
constexpr int kMaxIsalLevel = 3;
// libdeflate levels 1..12; we hand it 4..12 so levels stay monotonic.
constexpr int kMaxLibdeflateLevel = 12;

Status TooLarge(const char* codec, size_t size) {
  return InvalidArgument(std::string("compressing a page with ") + codec + ": " +
                         std::to_string(size) + " bytes exceeds the codec's input limit");
}

class IsalGzip final : public Compressor {
 public:
  explicit IsalGzip(int level) : level_(level) {
    static constexpr uint32_t kLevelBufSize[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                                 ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    level_buf_.resize(kLevelBufSize[level]);
  }

  Status Compress(const uint8_t* in, size_t size, ByteBuffer* out) override {
    if (size > std::numeric_limits<uint32_t>::max() / 2) return TooLarge("GZIP", size);
    // Stored blocks bound the output: 5 bytes per 64 KiB block, plus the
    // gzip header/trailer and one block's worth of slack.
    size_t bound = size + size / 8 + ISAL_DEF_MAX_HDR_SIZE + 1024;
    out->Resize(bound);
    isal_zstream stream;
    isal_deflate_stateless_init(&stream);
    stream.level = static_cast<uint32_t>(level_);
    stream.level_buf = level_buf_.empty() ? nullptr : level_buf_.data();
    stream.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    stream.gzip_flag = IGZIP_GZIP;
    stream.end_of_stream = 1;
    stream.flush = NO_FLUSH;
    stream.next_in = const_cast<uint8_t*>(in);
    stream.avail_in = static_cast<uint32_t>(size);
    stream.next_out = out->data();
    stream.avail_out = static_cast<uint32_t>(bound);
    int rc = isal_deflate_stateless(&stream);
    if (rc != COMP_OK || stream.avail_in != 0) {
      return Internal("compressing a page with GZIP (ISA-L level " + std::to_string(level_) +
                      "): isal_deflate_stateless returned " + std::to_string(rc));
    }
    out->Resize(stream.total_out);
    return Status::OK();
  }

 private:
  int level_;
  std::vector<uint8_t> level_buf_;
};

class LibdeflateGzip final : public Compressor {
 public:
  explicit LibdeflateGzip(libdeflate_compressor* c) : c_(c) {}
  ~LibdeflateGzip() override { libdeflate_free_compressor(c_); }

  Status Compress(const uint8_t* in, size_t size, ByteBuffer* out) override {
    size_t bound = libdeflate_gzip_compress_bound(c_, size);
    out->Resize(bound);
    size_t n = libdeflate_gzip_compress(c_, in, size, out->data(), bound);
    if (n == 0) return Internal("compressing a page with GZIP (libdeflate): output overflow");
    out->Resize(n);
    return Status::OK();
  }

 private:
  libdeflate_compressor* c_;
};

class ZlibGzip final : public Compressor {
 public:
  explicit ZlibGzip(int level) : level_(level) {}
  ~ZlibGzip() override {
    if (initialized_) deflateEnd(&z_);
  }

  Status Compress(const uint8_t* in, size_t size, ByteBuffer* out) override {
    if (size > std::numeric_limits<uInt>::max() / 2) return TooLarge("GZIP", size);
    if (!initialized_) {
      // windowBits 15 + 16: a gzip wrapper with the default header (FLG 0).
      if (deflateInit2(&z_, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return Internal("compressing a page with GZIP (zlib): deflateInit2 failed");
      }
      initialized_ = true;
    } else if (deflateReset(&z_) != Z_OK) {
      return Internal("compressing a page with GZIP (zlib): deflateReset failed");
    }
    size_t bound = deflateBound(&z_, static_cast<uLong>(size));
    out->Resize(bound);
    z_.next_in = const_cast<Bytef*>(in);
    z_.avail_in = static_cast<uInt>(size);
    z_.next_out = out->data();
    z_.avail_out = static_cast<uInt>(bound);
    int rc = deflate(&z_, Z_FINISH);
    if (rc != Z_STREAM_END) {
      return Internal("compressing a page with GZIP (zlib): deflate returned " +
                      std::to_string(rc));
    }
    out->Resize(z_.total_out);
    return Status::OK();
  }

 private:
  int level_;
  z_stream z_{};
  bool initialized_ = false;
};

class SnappyCompressor final : public Compressor {
 public:
  Status Compress(const uint8_t* in, size_t size, ByteBuffer* out) override {
    if (size > std::numeric_limits<uint32_t>::max()) return TooLarge("SNAPPY", size);
    out->Resize(snappy::MaxCompressedLength(size));
    size_t n = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in), size,
                        reinterpret_cast<char*>(out->data()), &n);
    out->Resize(n);
    return Status::OK();
  }
};

class ZstdCompressor final : public Compressor {
 public:
  ZstdCompressor(ZSTD_CCtx* ctx, int level) : ctx_(ctx), level_(level) {}
  ~ZstdCompressor() override { ZSTD_freeCCtx(ctx_); }

  Status Compress(const uint8_t* in, size_t size, ByteBuffer* out) override {
    out->Resize(ZSTD_compressBound(size));
    size_t n = ZSTD_compressCCtx(ctx_, out->data(), out->size(), in, size, level_);
    if (ZSTD_isError(n)) {
      return Internal(std::string("compressing a page with ZSTD: ") + ZSTD_getErrorName(n));
    }
    out->Resize(n);
    return Status::OK();
  }

 private:
  ZSTD_CCtx* ctx_;
  int level_;
};

Status BadLevel(const char* codec, int level, const char* range) {
  return InvalidArgument(std::string("Parquet writer options: ") + codec + " level " +
                         std::to_string(level) + " is outside " + range);
}

}  // namespace

Result<std::unique_ptr<Compressor>> MakeGzipCompressor(GzipLibrary library, int level) {
  switch (library) {
    case GzipLibrary::kIsal:
      if (level < 0 || level > kMaxIsalLevel) return BadLevel("GZIP (ISA-L)", level, "0..3");
      return std::unique_ptr<Compressor>(new IsalGzip(level));
    case GzipLibrary::kLibdeflate: {
      if (level < 0 || level > kMaxLibdeflateLevel) {
        return BadLevel("GZIP (libdeflate)", level, "0..12");
      }
      libdeflate_compressor* c = libdeflate_alloc_compressor(level);
      if (c == nullptr) return ResourceExhausted("GZIP (libdeflate): cannot allocate a compressor");
      return std::unique_ptr<Compressor>(new LibdeflateGzip(c));
    }
    case GzipLibrary::kZlib:
      if (level < 0 || level > 9) return BadLevel("GZIP (zlib)", level, "0..9");
      return std::unique_ptr<Compressor>(new ZlibGzip(level));
  }
  return InvalidArgument("unknown GZIP library");
}

Result<std::unique_ptr<Compressor>> Compressor::Make(Codec codec, int level) {
  switch (codec) {
    case Codec::kUncompressed:
      return std::unique_ptr<Compressor>();
    case Codec::kSnappy:
      return std::unique_ptr<Compressor>(new SnappyCompressor());
    case Codec::kGzip:
      if (level < 0) level = kDefaultGzipLevel;
      if (level > kMaxLibdeflateLevel) return BadLevel("GZIP", level, "0..12");
      return MakeGzipCompressor(level <= kMaxIsalLevel ? GzipLibrary::kIsal
                                                       : GzipLibrary::kLibdeflate,
                                level);
    case Codec::kZstd: {
      if (level < 0) level = kDefaultZstdLevel;
      if (level > ZSTD_maxCLevel()) {
        return BadLevel("ZSTD", level, ("0.." + std::to_string(ZSTD_maxCLevel())).c_str());
      }
      ZSTD_CCtx* ctx = ZSTD_createCCtx();
      if (ctx == nullptr) return ResourceExhausted("ZSTD: cannot allocate a compression context");
      return std::unique_ptr<Compressor>(new ZstdCompressor(ctx, level));
    }
  }
  return InvalidArgument("Parquet writer options: unknown codec " +
                         std::to_string(static_cast<int>(codec)));
}

}  // namespace dbexport::parquet
