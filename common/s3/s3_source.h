#pragma once
// S3Source reads an S3 object as a ByteSource: each read_at is one ranged
// GET of exactly that span (S3Client::get_range, retried), checked against
// the ETag taken at open (HEAD); a changed object fails the read with a
// message naming it. Its identity as an input (InputFile) is the size and a
// hash of the ETag (s3_identity).
//
// Thread safety: read_at may be called from several threads (the client
// serialises requests).

#include <cstdint>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/io/byte_source.h"
#include "common/s3/client.h"

namespace sluice {

// An object's version as a number (the "mtime" of an S3 input): a 63-bit
// hash of its ETag, 0 when it has none.
int64_t s3_identity(const S3Object& object);

class S3Source final : public ByteSource {
 public:
  // HEAD `url` (s3://bucket/key) with `client` (owned).
  static Result<std::unique_ptr<S3Source>> open(std::unique_ptr<S3Client> client,
                                                const std::string& url);
  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override;
  uint64_t size_bytes() const override { return object_.size_bytes; }
  const S3Object& object() const { return object_; }
  uint64_t requests() const { return client_->requests(); }

 private:
  S3Source(std::unique_ptr<S3Client> client, S3Location location, S3Object object)
      : client_(std::move(client)), location_(std::move(location)), object_(std::move(object)) {}

  std::unique_ptr<S3Client> client_;
  S3Location location_;
  S3Object object_;
};

}  // namespace sluice
