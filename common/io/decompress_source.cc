#include "common/io/decompress_source.h"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

namespace sluice {
namespace {

// Compressed bytes per read_at() of the underlying source.
constexpr size_t kInputChunkBytes = 256 << 10;

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Codec codec_of_path(const std::string& path) {
  std::string name = path;
  if (name.starts_with("http://") || name.starts_with("https://")) {
    name = name.substr(0, name.find_first_of("?#"));
  }
  if (ends_with(name, ".gz")) return Codec::kGzip;
  if (ends_with(name, ".zst")) return Codec::kZstd;
  return Codec::kNone;
}

struct DecompressSource::Codecs {
  z_stream zlib{};
  bool zlib_ready = false;
  ZSTD_DCtx* zstd = nullptr;
  ~Codecs() {
    if (zlib_ready) inflateEnd(&zlib);
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
  }
};

DecompressSource::DecompressSource(std::unique_ptr<ByteSource> compressed, Codec codec,
                                   std::string name)
    : compressed_(std::move(compressed)),
      codec_(codec),
      name_(std::move(name)),
      input_(kInputChunkBytes),
      codecs_(std::make_unique<Codecs>()) {}

DecompressSource::~DecompressSource() = default;

Result<std::unique_ptr<DecompressSource>> DecompressSource::open(
    std::unique_ptr<ByteSource> compressed, Codec codec, std::string name) {
  if (codec == Codec::kNone) return invalid_argument(name + " is not compressed");
  std::unique_ptr<DecompressSource> source(
      new DecompressSource(std::move(compressed), codec, std::move(name)));
  SLUICE_RETURN_IF_ERROR(source->reset());
  // The counting pass: the readers need to know where the input ends.
  std::vector<char> scratch(kInputChunkBytes);
  uint64_t total = 0;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(size_t count, source->produce(scratch.data(), scratch.size()));
    if (count == 0) break;
    total += count;
  }
  source->size_bytes_ = total;
  SLUICE_RETURN_IF_ERROR(source->reset());
  return source;
}

Status DecompressSource::reset() {
  cursor_ = 0;
  input_offset_ = 0;
  input_begin_ = input_end_ = 0;
  input_eof_ = false;
  frame_open_ = false;
  if (codec_ == Codec::kGzip) {
    if (codecs_->zlib_ready) {
      inflateEnd(&codecs_->zlib);
      codecs_->zlib_ready = false;
    }
    codecs_->zlib = z_stream{};
    // 15 + 32: a gzip (or zlib) header, detected.
    if (inflateInit2(&codecs_->zlib, 15 + 32) != Z_OK) {
      return io_error("cannot start a gzip decoder for " + name_);
    }
    codecs_->zlib_ready = true;
  } else {
    if (codecs_->zstd == nullptr) codecs_->zstd = ZSTD_createDCtx();
    if (codecs_->zstd == nullptr) return io_error("cannot start a zstd decoder for " + name_);
    ZSTD_DCtx_reset(codecs_->zstd, ZSTD_reset_session_only);
  }
  return Status::ok();
}

Status DecompressSource::refill() {
  if (input_begin_ < input_end_ || input_eof_) return Status::ok();
  const uint64_t size = compressed_->size_bytes();
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>(input_.size(), size - std::min(size, input_offset_)));
  input_begin_ = input_end_ = 0;
  if (want == 0) {
    input_eof_ = true;
    return Status::ok();
  }
  SLUICE_ASSIGN_OR_RETURN(size_t count, compressed_->read_at(input_offset_, input_.data(), want));
  if (count == 0) {
    input_eof_ = true;
    return Status::ok();
  }
  input_end_ = count;
  input_offset_ += count;
  return Status::ok();
}

Result<size_t> DecompressSource::produce(char* out, size_t length) {
  if (length == 0) return size_t{0};
  for (;;) {
    SLUICE_RETURN_IF_ERROR(refill());
    const size_t available = input_end_ - input_begin_;
    if (available == 0) {
      if (frame_open_) {
        return data_error(fmt::format("{}: compressed input is truncated", name_));
      }
      return size_t{0};
    }
    size_t produced = 0;
    if (codec_ == Codec::kGzip) {
      z_stream& z = codecs_->zlib;
      z.next_in = reinterpret_cast<Bytef*>(input_.data() + input_begin_);
      z.avail_in = static_cast<uInt>(available);
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = static_cast<uInt>(std::min<size_t>(length, 1u << 30));
      const uInt out_before = z.avail_out;
      frame_open_ = true;
      const int status = inflate(&z, Z_NO_FLUSH);
      input_begin_ += available - z.avail_in;
      produced = out_before - z.avail_out;
      if (status == Z_STREAM_END) {
        // A gzip file may hold several members, one after another.
        frame_open_ = false;
        inflateReset(&z);
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        return data_error(fmt::format("{}: invalid gzip data at compressed offset {}: {}", name_,
                                      input_offset_ - (input_end_ - input_begin_),
                                      z.msg != nullptr ? z.msg : "error"));
      }
    } else {
      ZSTD_inBuffer in{input_.data() + input_begin_, available, 0};
      ZSTD_outBuffer output{out, length, 0};
      const size_t status = ZSTD_decompressStream(codecs_->zstd, &output, &in);
      if (ZSTD_isError(status)) {
        return data_error(
            fmt::format("{}: invalid zstd data: {}", name_, ZSTD_getErrorName(status)));
      }
      input_begin_ += in.pos;
      produced = output.pos;
      frame_open_ = status != 0;
    }
    if (produced > 0) {
      cursor_ += produced;
      return produced;
    }
  }
}

Result<size_t> DecompressSource::read_at(uint64_t offset, char* buffer, size_t length) {
  if (offset < cursor_) {
    SLUICE_RETURN_IF_ERROR(reset());
  }
  // Forward to `offset`, dropping what lies before it.
  char skip[16 << 10];
  while (cursor_ < offset) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof(skip), offset - cursor_));
    SLUICE_ASSIGN_OR_RETURN(size_t count, produce(skip, want));
    if (count == 0) return size_t{0};
  }
  size_t done = 0;
  while (done < length) {
    SLUICE_ASSIGN_OR_RETURN(size_t count, produce(buffer + done, length - done));
    if (count == 0) break;
    done += count;
  }
  return done;
}

}  // namespace sluice
