#pragma once
// HttpSource reads an input over HTTP(S) with Range requests (libcurl): each
// read_at is one GET of exactly that span ("Range: bytes=a-b"), into the
// caller's buffer. The object's identity (size from Content-Length, ETag or
// Last-Modified) is taken at open by a HEAD request; a response whose ETag or
// Last-Modified differs fails the read with a message naming the URL.
// Transient failures (connection errors, timeouts, 408/429/5xx) are retried
// with backoff (kHttpAttempts, doubling from kHttpBackoffMsMin).
//
// Thread safety: read_at may be called from several threads (one transfer
// at a time, under a mutex).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/status.h"
#include "common/io/byte_source.h"

namespace sluice {

inline constexpr int kHttpAttempts = 4;
inline constexpr int64_t kHttpBackoffMsMin = 100;
inline constexpr int64_t kHttpTimeoutMs = 60'000;

// True for a path that starts with http:// or https://.
bool is_http_url(const std::string& path);

// What a HEAD request says about a URL.
struct HttpObject {
  uint64_t size_bytes = 0;
  std::string etag;           // as sent, quotes included; empty when absent
  std::string last_modified;  // empty when absent
  // The version's identity as a number (the job's "mtime" of a URL input):
  // a hash of the ETag, else of Last-Modified, else 0.
  int64_t identity() const;
};

// HEAD `url` (redirects followed, with retries). kNotFound for 404/410.
Result<HttpObject> http_head(const std::string& url);

class HttpSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<HttpSource>> open(const std::string& url);
  ~HttpSource() override;
  HttpSource(const HttpSource&) = delete;
  HttpSource& operator=(const HttpSource&) = delete;

  Result<size_t> read_at(uint64_t offset, char* buffer, size_t length) override;
  uint64_t size_bytes() const override { return object_.size_bytes; }
  const HttpObject& object() const { return object_; }
  // Range GETs issued so far (tests check that reads are ranged).
  uint64_t requests() const { return requests_; }

 private:
  HttpSource(std::string url, HttpObject object, void* curl)
      : url_(std::move(url)), object_(std::move(object)), curl_(curl) {}
  Result<size_t> get_range(uint64_t offset, char* buffer, size_t length, bool& transient);

  std::string url_;
  HttpObject object_;
  void* curl_;  // CURL*, reused between requests (keeps the connection)
  std::mutex mutex_;
  uint64_t requests_ = 0;
};

}  // namespace sluice
