#pragma once
// DecompressSource presents the DECOMPRESSED bytes of a gzip or zstd source
// as a ByteSource, so the CSV and JSONL readers read compressed inputs
// unchanged. A compressed file is one partition (it cannot be entered in the
// middle), read front to back:
//  - read_at with increasing offsets streams (a forward-only cursor: the
//    bytes between the cursor and a later offset are decompressed and
//    dropped); an offset before the cursor starts again from the beginning.
//  - size_bytes() is the decompressed size, found by one counting pass at
//    open (decompress and discard): the readers need the size to know where
//    the input ends. That pass costs one extra decompression per open.
// Memory: one compressed input buffer and the codec's window, bounded.
// Thread safety: NOT thread-safe (one cursor); one source per reader.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/byte_source.h"

namespace sluice {

enum class Codec { kNone, kGzip, kZstd };

// kGzip for a path ending in ".gz", kZstd for ".zst", else kNone (case
// sensitive, as file tools are; a URL's query string is ignored).
Codec codec_of_path(const std::string& path);

class DecompressSource final : public ByteSource {
 public:
  // `name` names the input in errors. Runs the counting pass.
  static Result<std::unique_ptr<DecompressSource>> open(std::unique_ptr<ByteSource> compressed,
                                                        Codec codec, std::string name);
  ~DecompressSource() override;
  DecompressSource(const DecompressSource&) = delete;
  DecompressSource& operator=(const DecompressSource&) = delete;

  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override;
  uint64_t size_bytes() const override { return size_bytes_; }
  // Compressed bytes consumed so far (for progress).
  uint64_t compressed_bytes_read() const { return input_offset_; }

 private:
  DecompressSource(std::unique_ptr<ByteSource> compressed, Codec codec, std::string name);
  Status reset();
  // Decompresses at most `length` bytes at the cursor; 0 only at the end.
  Result<size_t> produce(char* out, size_t length);
  Status refill();

  std::unique_ptr<ByteSource> compressed_;
  Codec codec_;
  std::string name_;
  uint64_t size_bytes_ = 0;
  uint64_t cursor_ = 0;        // decompressed offset of the next byte produced
  uint64_t input_offset_ = 0;  // compressed offset of the next byte to read
  std::vector<char> input_;
  size_t input_begin_ = 0;
  size_t input_end_ = 0;
  bool input_eof_ = false;
  bool frame_open_ = false;  // inside a gzip member or zstd frame
  struct Codecs;
  std::unique_ptr<Codecs> codecs_;
};

}  // namespace sluice
