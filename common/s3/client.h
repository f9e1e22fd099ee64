#pragma once
// S3Client: the S3 requests sluice makes, over libcurl, signed with SigV4
// (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3", payload UNSIGNED-PAYLOAD; the
// session token, when there is one, as x-amz-security-token). Objects are
// addressed path-style at a custom endpoint, virtual-hosted on AWS
// (location.h). Every request is retried with exponential backoff
// (kS3Attempts, doubling from kS3BackoffMsMin) on connection errors,
// timeouts, 408, 429 and 5xx (and on S3's "200 with an <Error>" to a
// CompleteMultipartUpload); an S3 error is reported with its HTTP status, its
// <Code> and <Message>, never with a header or a credential.
//
// Thread safety: every method may be called from several threads; requests
// run one at a time on one kept-alive connection (under a mutex).

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/s3/credentials.h"
#include "common/s3/location.h"

namespace sluice {

inline constexpr int kS3Attempts = 5;
inline constexpr int64_t kS3BackoffMsMin = 100;   // 100, 200, 400, 800 ms between attempts
inline constexpr int64_t kS3TimeoutMs = 300'000;  // one request: a part of tens of MiB, slowly
inline constexpr int64_t kS3ConnectTimeoutMs = 10'000;
// An XML answer (a list page of 1,000 keys is about 300 KB); more is an error.
inline constexpr size_t kS3ResponseBytesMax = size_t{16} << 20;
// Objects one listing may return (a glob over more is refused, not truncated).
inline constexpr size_t kS3ListKeysMax = 1'000'000;
// S3's multipart limits: parts of at least 5 MiB (but the last), at most 10,000.
inline constexpr uint64_t kS3PartBytesMin = uint64_t{8} << 20;
inline constexpr uint32_t kS3PartsMax = 10'000;
static_assert(kS3PartBytesMin >= (uint64_t{5} << 20), "S3 refuses parts under 5 MiB");

// An object as HEAD or a listing shows it.
struct S3Object {
  std::string key;
  uint64_t size_bytes = 0;
  std::string etag;  // as sent, quotes included
};

// One uploaded part of a multipart upload.
struct S3Part {
  uint32_t number = 0;  // 1-based
  std::string etag;
  uint64_t size_bytes = 0;
};

// A multipart upload in progress (ListMultipartUploads).
struct S3Upload {
  std::string key;
  std::string upload_id;
};

class S3Client {
 public:
  // Resolves the settings' credentials (load_s3_credentials).
  static Result<std::unique_ptr<S3Client>> create(const S3Settings& settings);
  static Result<std::unique_ptr<S3Client>> create(const S3Settings& settings,
                                                  S3Credentials credentials);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Settings& settings() const { return settings_; }

  // HEAD: size and ETag. kNotFound for a missing object.
  Result<S3Object> head(const S3Location& location);
  // GET bytes [offset, offset + length) into `buffer`; exactly `length`
  // bytes or an error. When `etag` is not empty a response with another
  // ETag (or 412) is a kDataError "changed while the job ran"; so is 404.
  Result<size_t> get_range(const S3Location& location, uint64_t offset, char* buffer, size_t length,
                           const std::string& etag);
  // GET a small whole object (at most kS3ResponseBytesMax). kNotFound.
  Result<std::string> get_object(const S3Location& location);
  // ListObjectsV2 of every key under `prefix`, pages (of `page_keys`)
  // followed, in key order.
  Result<std::vector<S3Object>> list(const std::string& bucket, const std::string& prefix,
                                     uint32_t page_keys = 1000);
  // PUT a small object whole; returns its ETag.
  Result<std::string> put(const S3Location& location, std::string_view body);
  Status remove(const S3Location& location);

  // Multipart uploads.
  Result<std::string> create_upload(const S3Location& location);  // the upload id
  // Uploads bytes [offset, offset + length) of the open file `fd` as part
  // `number`; returns its ETag.
  Result<std::string> upload_part(const S3Location& location, const std::string& upload_id,
                                  uint32_t number, int fd, uint64_t offset, uint64_t length);
  // Completes with `parts` (ascending numbers); returns the object's ETag.
  // kNotFound (NoSuchUpload) when the upload is gone: completed or aborted
  // before; the caller tells which by the object (S3Client::head).
  Result<std::string> complete_upload(const S3Location& location, const std::string& upload_id,
                                      const std::vector<S3Part>& parts);
  // Aborts; an upload already gone is not an error. kUnavailable when the
  // server does not implement abort (some test servers).
  Status abort_upload(const S3Location& location, const std::string& upload_id);
  // Uploads in progress under `prefix`; kUnavailable when the server does
  // not implement ListMultipartUploads.
  Result<std::vector<S3Upload>> list_uploads(const std::string& bucket, const std::string& prefix);

  // Requests sent so far, retries included (tests).
  uint64_t requests() const;

  struct Request;
  struct Response;

 private:
  S3Client(S3Settings settings, S3Credentials credentials, void* curl);
  Result<Response> perform(const Request& request);
  Result<Response> perform_once(const Request& request, bool& transient);

  S3Settings settings_;
  S3Credentials credentials_;
  void* curl_;  // CURL*, reused (keeps the connection)
  mutable std::mutex mutex_;
  uint64_t requests_ = 0;
};

}  // namespace sluice
