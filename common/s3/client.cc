#include "common/s3/client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <thread>

#include "common/io/http_headers.h"
#include "common/io/http_retry.h"
#include "common/s3/client_request.h"
#include "common/s3/xml.h"

namespace sluice {
namespace {

struct Transfer {
  CURL* curl = nullptr;
  const S3Client::Request* request = nullptr;
  S3Client::Response* response = nullptr;
  uint64_t body_sent = 0;  // of a file body
  bool overflow = false;   // the body was larger than allowed
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) transfer->response->etag.clear();  // a new response
  if (auto etag = header_value(line, "etag")) transfer->response->etag = std::move(*etag);
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &status);
  S3Client::Response& response = *transfer->response;
  const S3Client::Request& request = *transfer->request;
  if (request.buffer != nullptr && status >= 200 && status < 300) {
    if (bytes > request.buffer_bytes - response.buffer_used) {
      transfer->overflow = true;
      return 0;  // more than asked: abort the transfer
    }
    std::memcpy(request.buffer + response.buffer_used, data, bytes);
    response.buffer_used += bytes;
    return bytes;
  }
  if (bytes > kS3ResponseBytesMax - response.body.size()) {
    transfer->overflow = true;
    return 0;
  }
  response.body.append(data, bytes);
  return bytes;
}

size_t on_read(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const S3Client::Request& request = *transfer->request;
  const uint64_t total = request.body_fd >= 0 ? request.body_bytes : request.body.size();
  const uint64_t left = total - transfer->body_sent;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(left, size * count));
  if (want == 0) return 0;
  if (request.body_fd < 0) {  // in memory
    std::memcpy(data, request.body.data() + transfer->body_sent, want);
    transfer->body_sent += want;
    return want;
  }
  while (true) {
    const ssize_t got = ::pread(request.body_fd, data, want,
                                static_cast<off_t>(request.body_offset + transfer->body_sent));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return CURL_READFUNC_ABORT;  // the file shrank or cannot be read
    transfer->body_sent += static_cast<uint64_t>(got);
    return static_cast<size_t>(got);
  }
}

void backoff(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(kS3BackoffMsMin << attempt));
}

}  // namespace

std::string s3_error_message(const S3Client::Request& request, const S3Client::Response& response) {
  std::string detail;
  auto code = xml_first_text(response.body, "Code");
  auto message = xml_first_text(response.body, "Message");
  if (code.is_ok() && code->has_value()) detail += ": " + **code;
  if (message.is_ok() && message->has_value()) detail += ": " + **message;
  return fmt::format("S3 {} {}: HTTP {}{}", request.method, s3_url(request.location),
                     response.status, detail);
}

Result<std::unique_ptr<S3Client>> S3Client::create(const S3Settings& settings) {
  SLUICE_ASSIGN_OR_RETURN(S3Credentials credentials, load_s3_credentials(settings));
  return create(settings, std::move(credentials));
}

Result<std::unique_ptr<S3Client>> S3Client::create(const S3Settings& settings,
                                                   S3Credentials credentials) {
  init_curl_once();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return io_error("cannot start an HTTP client for S3");
  return std::unique_ptr<S3Client>(new S3Client(settings, std::move(credentials), curl));
}

S3Client::S3Client(S3Settings settings, S3Credentials credentials, void* curl)
    : settings_(std::move(settings)), credentials_(std::move(credentials)), curl_(curl) {}

S3Client::~S3Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

uint64_t S3Client::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

Result<S3Client::Response> S3Client::perform_once(const Request& request, bool& transient) {
  transient = false;
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // the handle keeps its connection cache
  Response response;
  Transfer transfer{curl, &request, &response, 0, false};
  const std::string url = s3_request_url(settings_, request.location, request.query);
  const std::string sigv4 = "aws:amz:" + settings_.region + ":s3";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(kS3TimeoutMs));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(kS3ConnectTimeoutMs));
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, credentials_.access_key_id.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials_.secret_access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  // Not "Expect:" to drop 100-continue: libcurl 7.88 would sign the removed
  // header, and S3 would refuse the signature.
  std::string token_header;
  if (!credentials_.session_token.empty()) {
    token_header = "x-amz-security-token: " + credentials_.session_token;
    headers = curl_slist_append(headers, token_header.c_str());
  }
  for (const std::string& header : request.headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  const std::string_view method = request.method;
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(
        curl, CURLOPT_INFILESIZE_LARGE,
        static_cast<curl_off_t>(request.body_fd >= 0 ? request.body_bytes : request.body.size()));
  } else if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    headers = curl_slist_append(headers, "Content-Type: application/xml");
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  requests_ += 1;
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.overflow)) {
    transient = transient_curl_error(code);
    return io_error(fmt::format("S3 {} {}: {}", request.method, s3_url(request.location),
                                curl_easy_strerror(code)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  if (transfer.overflow) {
    return data_error(fmt::format("S3 {} {}: the answer is longer than expected", request.method,
                                  s3_url(request.location)));
  }
  curl_off_t length = -1;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  response.content_length = static_cast<int64_t>(length);
  transient = transient_http_status(response.status);
  return response;
}

Result<S3Client::Response> S3Client::perform(const Request& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string last_error;
  for (int attempt = 0; attempt < kS3Attempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    bool transient = false;
    auto response = perform_once(request, transient);
    if (!response.is_ok()) {
      if (!transient) return response.status();
      last_error = response.status().message();
      continue;
    }
    if (!transient) return response;
    last_error = s3_error_message(request, *response);
  }
  return io_error(fmt::format("{} (after {} attempts)", last_error, kS3Attempts));
}

Result<S3Object> S3Client::head(const S3Location& location) {
  Request request;
  request.method = "HEAD";
  request.location = location;
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status == 404) return not_found(fmt::format("{} does not exist", s3_url(location)));
  if (response.status != 200) return io_error(s3_error_message(request, response));
  if (response.content_length < 0) {
    return io_error(fmt::format("S3 HEAD {}: no Content-Length", s3_url(location)));
  }
  return S3Object{location.key, static_cast<uint64_t>(response.content_length), response.etag};
}

Result<size_t> S3Client::get_range(const S3Location& location, uint64_t offset, char* buffer,
                                   size_t length, const std::string& etag) {
  if (length == 0) return size_t{0};
  Request request;
  request.location = location;
  request.headers.push_back(fmt::format("Range: bytes={}-{}", offset, offset + length - 1));
  request.buffer = buffer;
  request.buffer_bytes = length;
  // A short body is retried like a dropped connection.
  for (int attempt = 0; attempt < kS3Attempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
    if (response.status == 404 || response.status == 412 || response.status == 416) {
      return data_error(fmt::format("input {} changed while the job ran (HTTP {} for bytes {}-{})",
                                    s3_url(location), response.status, offset,
                                    offset + length - 1));
    }
    if (response.status != 206 && response.status != 200) {
      return io_error(s3_error_message(request, response));
    }
    if (!etag.empty() && response.etag != etag) {
      return data_error(fmt::format("input {} changed while the job ran (ETag {} -> {})",
                                    s3_url(location), etag, response.etag));
    }
    if (response.buffer_used == length) return length;
  }
  return io_error(fmt::format("S3 GET {} bytes {}-{}: short answers (after {} attempts)",
                              s3_url(location), offset, offset + length - 1, kS3Attempts));
}

Result<std::string> S3Client::get_object(const S3Location& location) {
  Request request;
  request.location = location;
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status == 404) return not_found(fmt::format("{} does not exist", s3_url(location)));
  if (response.status != 200) return io_error(s3_error_message(request, response));
  return std::move(response.body);
}

Result<std::string> S3Client::put(const S3Location& location, std::string_view body) {
  Request request;
  request.method = "PUT";
  request.location = location;
  request.body = body;
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status != 200) return io_error(s3_error_message(request, response));
  return response.etag;
}

Status S3Client::remove(const S3Location& location) {
  Request request;
  request.method = "DELETE";
  request.location = location;
  SLUICE_ASSIGN_OR_RETURN(Response response, perform(request));
  if (response.status != 204 && response.status != 200 && response.status != 404) {
    return io_error(s3_error_message(request, response));
  }
  return Status::ok();
}

}  // namespace sluice
