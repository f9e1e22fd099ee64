#pragma once
// S3 addresses: `s3://bucket/key` parsed and written back, the endpoint and
// region a job names (or the environment's), and the HTTP URL of a request.
// Pure functions: no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/spec/s3_options.h"

namespace sluice {

// Where an object (or a prefix) is: `s3://bucket/key`.
struct S3Location {
  std::string bucket;
  std::string key;  // may be empty (the bucket's root) or end with '/' (a prefix)
};

// True for a path that starts with s3://.
bool is_s3_url(std::string_view path);

// `s3://bucket/key`. The bucket follows S3's naming rules (3-63 characters
// of a-z 0-9 . -, starting and ending with a letter or digit); the key is
// kept as written (at most 1024 bytes). A clear kInvalidArgument otherwise.
Result<S3Location> parse_s3_url(std::string_view url);

// `s3://bucket/key`.
std::string s3_url(const S3Location& location);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters
// (A-Z a-z 0-9 - _ . ~) kept, every other byte %XX (uppercase); '/' kept
// when `keep_slash` (object keys in a path).
std::string uri_encode(std::string_view text, bool keep_slash);

// The options with the environment's defaults applied: endpoint from
// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (else AWS's
// https://s3.REGION.amazonaws.com), region from AWS_REGION or
// AWS_DEFAULT_REGION (else us-east-1), and a scheme on the endpoint
// (https:// when none is written).
struct S3Settings {
  std::string endpoint;  // scheme://host[:port], no trailing slash
  std::string region;
  bool path_style = true;
  std::string credentials_file;
  std::string profile;
};
Result<S3Settings> resolve_s3_settings(const S3Options& options);

// The request URL of `location` with `query` (already canonical: names
// sorted, encoded, "name=value" joined by '&'; empty for none).
std::string s3_request_url(const S3Settings& settings, const S3Location& location,
                           std::string_view query);

// A canonical query string (SigV4): each name and value uri_encode'd, sorted
// by name, "name=value" joined by '&' (an empty value keeps its '=').
std::string canonical_query(std::vector<std::pair<std::string, std::string>> parameters);

}  // namespace sluice
