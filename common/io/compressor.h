#pragma once
// Streaming compressors for output files: gzip (zlib, a .gz member) and
// zstd (one frame). Plain bytes in, compressed bytes appended to `out`.

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/spec/output_spec.h"

namespace sluice {

class Compressor {
 public:
  virtual ~Compressor();
  // Compresses `plain`, appending what is ready to `out`.
  virtual Status compress(std::string_view plain, std::string& out) = 0;
  // Ends the stream, appending the rest to `out`. Call once, last.
  virtual Status finish(std::string& out) = 0;
};

// nullptr for Compression::kNone.
Result<std::unique_ptr<Compressor>> make_compressor(Compression compression);

}  // namespace sluice
