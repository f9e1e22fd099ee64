#include "common/io/http_source.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/base/hash.h"
#include "common/io/http_headers.h"
#include "common/io/http_retry.h"

namespace sluice {
namespace {

// Headers of the last response (a redirect's headers are forgotten).
struct Headers {
  std::string etag;
  std::string last_modified;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) *headers = Headers{};  // a new response
  if (auto etag = header_value(line, "etag")) headers->etag = std::move(*etag);
  if (auto modified = header_value(line, "last-modified"))
    headers->last_modified = std::move(*modified);
  return size * count;
}

struct Sink {
  char* buffer = nullptr;
  size_t capacity = 0;
  size_t used = 0;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t bytes = size * count;
  if (bytes > sink->capacity - sink->used) return 0;  // more than asked: abort
  std::memcpy(sink->buffer + sink->used, data, bytes);
  sink->used += bytes;
  return bytes;
}

void common_options(CURL* curl, const std::string& url, Headers* headers) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(kHttpTimeoutMs));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  // Bytes as stored: a Range applies to them, not to a decoded body.
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, headers);
}

void backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(kHttpBackoffMsMin << attempt));
}

}  // namespace

bool is_http_url(const std::string& path) {
  return path.starts_with("http://") || path.starts_with("https://");
}

int64_t HttpObject::identity() const {
  if (!etag.empty()) return static_cast<int64_t>(hash64(etag) >> 1);
  if (!last_modified.empty()) return static_cast<int64_t>(hash64(last_modified) >> 1);
  return 0;
}

Result<HttpObject> http_head(const std::string& url) {
  init_curl_once();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (curl == nullptr) return io_error("cannot start an HTTP client for " + url);
  std::string last_error;
  for (int attempt = 0; attempt < kHttpAttempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    Headers headers;
    common_options(curl.get(), url, &headers);
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
    const CURLcode code = curl_easy_perform(curl.get());
    if (code != CURLE_OK) {
      last_error = fmt::format("HEAD {}: {}", url, curl_easy_strerror(code));
      if (transient_curl_error(code)) continue;
      return io_error(last_error);
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status == 404 || status == 410) {
      return not_found(fmt::format("input {} does not exist (HTTP {})", url, status));
    }
    if (status != 200) {
      last_error = fmt::format("HEAD {}: HTTP {}", url, status);
      if (transient_http_status(status)) continue;
      return io_error(last_error);
    }
    curl_off_t length = -1;
    curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length < 0) return io_error(fmt::format("HEAD {}: no Content-Length", url));
    HttpObject object;
    object.size_bytes = static_cast<uint64_t>(length);
    object.etag = headers.etag;
    object.last_modified = headers.last_modified;
    return object;
  }
  return io_error(fmt::format("{} (after {} attempts)", last_error, kHttpAttempts));
}

Result<std::unique_ptr<HttpSource>> HttpSource::open(const std::string& url) {
  SLUICE_ASSIGN_OR_RETURN(HttpObject object, http_head(url));
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return io_error("cannot start an HTTP client for " + url);
  return std::unique_ptr<HttpSource>(new HttpSource(url, std::move(object), curl));
}

HttpSource::~HttpSource() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<size_t> HttpSource::get_range(uint64_t offset, char* buffer, size_t length,
                                     bool& transient) {
  transient = false;
  CURL* curl = static_cast<CURL*>(curl_);
  Headers headers;
  Sink sink{buffer, length, 0};
  common_options(curl, url_, &headers);
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  const std::string range = fmt::format("{}-{}", offset, offset + length - 1);
  curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  requests_ += 1;
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_RANGE, nullptr);
  if (code != CURLE_OK) {
    transient = transient_curl_error(code);
    return io_error(fmt::format("GET {} bytes {}: {}", url_, range, curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  const bool whole = status == 200 && offset == 0 && length == object_.size_bytes;
  if (status != 206 && !whole) {
    transient = transient_http_status(status);
    if (status == 404 || status == 410 || status == 412 || status == 416) {
      return data_error(fmt::format("input {} changed while the job ran (HTTP {} for bytes {})",
                                    url_, status, range));
    }
    return io_error(fmt::format("GET {} bytes {}: HTTP {}", url_, range, status));
  }
  const bool etag_changed = !object_.etag.empty() && headers.etag != object_.etag;
  const bool modified = object_.etag.empty() && !object_.last_modified.empty() &&
                        headers.last_modified != object_.last_modified;
  if (etag_changed || modified) {
    return data_error(fmt::format("input {} changed while the job ran (ETag {} -> {})", url_,
                                  object_.etag.empty() ? object_.last_modified : object_.etag,
                                  object_.etag.empty() ? headers.last_modified : headers.etag));
  }
  if (sink.used != length) {
    transient = true;
    return io_error(fmt::format("GET {} bytes {}: got {} bytes", url_, range, sink.used));
  }
  return sink.used;
}

Result<size_t> HttpSource::read_at(uint64_t offset, char* buffer, size_t length) {
  if (offset >= object_.size_bytes || length == 0) return size_t{0};
  length = static_cast<size_t>(std::min<uint64_t>(length, object_.size_bytes - offset));
  std::lock_guard<std::mutex> lock(mutex_);
  Status last = Status::ok();
  for (int attempt = 0; attempt < kHttpAttempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    bool transient = false;
    auto got = get_range(offset, buffer, length, transient);
    if (got.is_ok()) return got;
    last = got.status();
    if (!transient) return last;
  }
  return io_error(fmt::format("{} (after {} attempts)", last.message(), kHttpAttempts));
}

}  // namespace sluice
