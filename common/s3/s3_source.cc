#include "common/s3/s3_source.h"

#include <algorithm>

#include "common/base/hash.h"

namespace sluice {

int64_t s3_identity(const S3Object& object) {
  if (object.etag.empty()) return 0;
  return static_cast<int64_t>(hash64(object.etag) >> 1);
}

Result<std::unique_ptr<S3Source>> S3Source::open(std::unique_ptr<S3Client> client,
                                                 const std::string& url) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(url));
  SLUICE_ASSIGN_OR_RETURN(S3Object object, client->head(location));
  return std::unique_ptr<S3Source>(
      new S3Source(std::move(client), std::move(location), std::move(object)));
}

Result<size_t> S3Source::read_at(uint64_t offset, char* buffer, size_t length) {
  if (offset >= object_.size_bytes || length == 0) return size_t{0};
  length = static_cast<size_t>(std::min<uint64_t>(length, object_.size_bytes - offset));
  return client_->get_range(location_, offset, buffer, length, object_.etag);
}

}  // namespace sluice
