#pragma once
// S3Client's request and response (internal to common/s3: client.cc sends
// them, client_multipart.cc and client_list.cc build them).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/s3/client.h"

namespace sluice {

struct S3Client::Request {
  const char* method = "GET";  // GET HEAD PUT POST DELETE
  S3Location location;
  std::string query;                 // canonical_query(...)
  std::vector<std::string> headers;  // extra "Name: value"
  std::string_view body;             // in memory (PUT, POST)
  int body_fd = -1;                  // or from a file: [body_offset, + body_bytes)
  uint64_t body_offset = 0;
  uint64_t body_bytes = 0;
  char* buffer = nullptr;  // a 2xx body goes here (at most buffer_bytes), else into body
  size_t buffer_bytes = 0;
};

struct S3Client::Response {
  long status = 0;
  std::string etag;
  int64_t content_length = -1;
  std::string body;        // an error's body, or a 2xx body without a buffer
  size_t buffer_used = 0;  // bytes written into Request::buffer
};

// "S3 GET s3://b/k: HTTP 403 AccessDenied: Access Denied" from a response.
std::string s3_error_message(const S3Client::Request& request, const S3Client::Response& response);

}  // namespace sluice
