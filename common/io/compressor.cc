#include "common/io/compressor.h"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

namespace sluice {

Compressor::~Compressor() = default;

namespace {

constexpr size_t kOutStepBytes = 256 << 10;
constexpr int kGzipLevel = 6;  // zlib's default: the usual size/speed trade
constexpr int kZstdLevel = 3;  // zstd's default

class GzipCompressor final : public Compressor {
 public:
  GzipCompressor() = default;
  ~GzipCompressor() override {
    if (initialized_) deflateEnd(&stream_);
  }
  Status init() {
    // 15 + 16: a gzip header and trailer around the deflate stream.
    int rc = deflateInit2(&stream_, kGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) return internal_error(fmt::format("deflateInit2 failed: {}", rc));
    initialized_ = true;
    return Status::ok();
  }
  Status compress(std::string_view plain, std::string& out) override {
    return run(plain, out, Z_NO_FLUSH);
  }
  Status finish(std::string& out) override { return run({}, out, Z_FINISH); }

 private:
  Status run(std::string_view plain, std::string& out, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
    stream_.avail_in = static_cast<uInt>(plain.size());
    for (;;) {
      size_t used = out.size();
      out.resize(used + kOutStepBytes);
      stream_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      stream_.avail_out = static_cast<uInt>(kOutStepBytes);
      int rc = deflate(&stream_, flush);
      out.resize(used + (kOutStepBytes - stream_.avail_out));
      if (rc == Z_STREAM_ERROR) return internal_error("deflate failed");
      if (flush == Z_FINISH) {
        if (rc == Z_STREAM_END) return Status::ok();
      } else if (stream_.avail_in == 0 && stream_.avail_out != 0) {
        return Status::ok();
      }
    }
  }

  z_stream stream_{};
  bool initialized_ = false;
};

class ZstdCompressor final : public Compressor {
 public:
  ZstdCompressor() : context_(ZSTD_createCCtx()) {}
  ~ZstdCompressor() override { ZSTD_freeCCtx(context_); }
  Status init() {
    if (context_ == nullptr) return internal_error("ZSTD_createCCtx failed");
    size_t rc = ZSTD_CCtx_setParameter(context_, ZSTD_c_compressionLevel, kZstdLevel);
    if (ZSTD_isError(rc)) return internal_error(ZSTD_getErrorName(rc));
    rc = ZSTD_CCtx_setParameter(context_, ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(rc)) return internal_error(ZSTD_getErrorName(rc));
    return Status::ok();
  }
  Status compress(std::string_view plain, std::string& out) override {
    return run(plain, out, ZSTD_e_continue);
  }
  Status finish(std::string& out) override { return run({}, out, ZSTD_e_end); }

 private:
  Status run(std::string_view plain, std::string& out, ZSTD_EndDirective directive) {
    ZSTD_inBuffer input{plain.data(), plain.size(), 0};
    for (;;) {
      size_t used = out.size();
      out.resize(used + kOutStepBytes);
      ZSTD_outBuffer output{out.data() + used, kOutStepBytes, 0};
      size_t remaining = ZSTD_compressStream2(context_, &output, &input, directive);
      out.resize(used + output.pos);
      if (ZSTD_isError(remaining)) return internal_error(ZSTD_getErrorName(remaining));
      bool done = directive == ZSTD_e_end ? remaining == 0 : input.pos == input.size;
      if (done) return Status::ok();
    }
  }

  ZSTD_CCtx* context_;
};

}  // namespace

Result<std::unique_ptr<Compressor>> make_compressor(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return std::unique_ptr<Compressor>();
    case Compression::kGzip: {
      auto compressor = std::make_unique<GzipCompressor>();
      SLUICE_RETURN_IF_ERROR(compressor->init());
      return std::unique_ptr<Compressor>(std::move(compressor));
    }
    case Compression::kZstd: {
      auto compressor = std::make_unique<ZstdCompressor>();
      SLUICE_RETURN_IF_ERROR(compressor->init());
      return std::unique_ptr<Compressor>(std::move(compressor));
    }
    case Compression::kSnappy:
      break;  // Parquet compresses its pages itself (common/parquet)
  }
  return internal_error("unknown compression");
}

}  // namespace sluice
