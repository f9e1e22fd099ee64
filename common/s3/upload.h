#pragma once
// The building blocks of exactly-once S3 output (no rename on S3): a part
// file is uploaded as a multipart upload to its final key and left
// uncompleted, invisible; the attempt reports the S3UploadRecord; only the
// attempt the ledger commits is completed ("published"), and completing is
// idempotent: after a crash between completion and the ledger's "published",
// completing again finds the object already there (its size, and its ETag
// when the store gives multipart ETags) and says so. Losing attempts'
// uploads are aborted.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/s3/client.h"

namespace sluice {

// One object written as a multipart upload, not yet completed.
struct S3UploadRecord {
  std::string url;  // s3://bucket/key, the object's final place
  std::string upload_id;
  std::vector<S3Part> parts;  // numbers 1..N in order

  uint64_t size_bytes() const;
  // The ETag S3 gives the completed object: the MD5 of the parts' binary
  // MD5s, then "-N" (quoted). Empty when a part's ETag is not an MD5.
  std::string expected_etag() const;
};

nlohmann::json upload_to_json(const S3UploadRecord& upload);
// kDataError when the JSON is not an upload record (a damaged ledger).
Result<S3UploadRecord> upload_from_json(const nlohmann::json& value);

// The part size for a file of `file_bytes`: kS3PartBytesMin, or more so that
// it takes at most kS3PartsMax parts.
uint64_t s3_part_bytes(uint64_t file_bytes);

// Uploads the file at `path` to `url` as a multipart upload in parts of
// `part_bytes` (0: s3_part_bytes), not completed. On failure the upload is
// aborted (where the store implements abort) and the error returned.
Result<S3UploadRecord> upload_file_parts(S3Client& client, const std::string& path,
                                         const std::string& url, uint64_t part_bytes = 0);

enum class CompleteOutcome { kCompleted, kAlreadyCompleted };

// Completes `upload`. When completing fails and the object is at its URL
// with the upload's size (and the expected ETag, when the object's ETag has
// the multipart "-N" form), it was completed before: kAlreadyCompleted.
// Otherwise the error.
Result<CompleteOutcome> complete_upload_once(S3Client& client, const S3UploadRecord& upload);

// Aborts `upload` (an attempt that lost, failed or was abandoned). A store
// without abort leaves it uncompleted, which is invisible: not an error.
Status abort_upload_quietly(S3Client& client, const S3UploadRecord& upload);

}  // namespace sluice
