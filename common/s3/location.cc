#include "common/s3/location.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace sluice {
namespace {

constexpr size_t kKeyBytesMax = 1024;  // S3's limit on a key

bool bucket_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

bool is_s3_url(std::string_view path) { return path.starts_with("s3://"); }

Result<S3Location> parse_s3_url(std::string_view url) {
  if (!is_s3_url(url)) return invalid_argument(fmt::format("{} is not an s3:// URL", url));
  std::string_view rest = url.substr(5);
  const size_t slash = rest.find('/');
  const std::string_view bucket = rest.substr(0, slash);
  std::string_view key =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (bucket.size() < 3 || bucket.size() > 63 || !alnum_lower(bucket.front()) ||
      !alnum_lower(bucket.back()) || !std::all_of(bucket.begin(), bucket.end(), bucket_char)) {
    return invalid_argument(fmt::format(
        "{}: the bucket name '{}' is not valid (3-63 characters: a-z 0-9 . -)", url, bucket));
  }
  if (key.size() > kKeyBytesMax) {
    return invalid_argument(fmt::format("{}: the key is longer than {} bytes", url, kKeyBytesMax));
  }
  if (key.find('\0') != std::string_view::npos || key.find('\n') != std::string_view::npos) {
    return invalid_argument(fmt::format("{}: the key holds a NUL or newline", url));
  }
  return S3Location{std::string(bucket), std::string(key)};
}

std::string s3_url(const S3Location& location) {
  return "s3://" + location.bucket + "/" + location.key;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

Result<S3Settings> resolve_s3_settings(const S3Options& options) {
  S3Settings settings;
  settings.region = options.region;
  if (settings.region.empty()) settings.region = env("AWS_REGION");
  if (settings.region.empty()) settings.region = env("AWS_DEFAULT_REGION");
  if (settings.region.empty()) settings.region = "us-east-1";
  for (const char c : settings.region) {
    if (!alnum_lower(c) && c != '-') {
      return invalid_argument(fmt::format("s3 region '{}' is not valid", settings.region));
    }
  }
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) endpoint = env("AWS_ENDPOINT_URL_S3");
  if (endpoint.empty()) endpoint = env("AWS_ENDPOINT_URL");
  const bool custom = !endpoint.empty();
  if (!custom) endpoint = "https://s3." + settings.region + ".amazonaws.com";
  if (endpoint.find("://") == std::string::npos) endpoint = "https://" + endpoint;
  if (!endpoint.starts_with("http://") && !endpoint.starts_with("https://")) {
    return invalid_argument(
        fmt::format("s3 endpoint '{}' must be http:// or https:// (or host:port)", endpoint));
  }
  const size_t host = endpoint.find("://") + 3;
  while (endpoint.size() > host && endpoint.ends_with('/')) endpoint.pop_back();
  if (host == endpoint.size() || endpoint.find('/', host) != std::string::npos) {
    return invalid_argument(
        fmt::format("s3 endpoint '{}' must be scheme://host[:port] without a path", endpoint));
  }
  settings.endpoint = endpoint;
  settings.path_style = options.path_style.value_or(custom);
  settings.credentials_file = options.credentials_file;
  settings.profile = options.profile;
  return settings;
}

std::string s3_request_url(const S3Settings& settings, const S3Location& location,
                           std::string_view query) {
  std::string url;
  // A bucket with dots cannot be a host name under a TLS wildcard: path-style.
  if (settings.path_style || location.bucket.find('.') != std::string::npos) {
    url = settings.endpoint + "/" + location.bucket;
    if (!location.key.empty()) url += "/" + uri_encode(location.key, true);
  } else {
    const size_t host = settings.endpoint.find("://") + 3;
    url = settings.endpoint.substr(0, host) + location.bucket + "." +
          settings.endpoint.substr(host) + "/" + uri_encode(location.key, true);
  }
  if (!query.empty()) {
    url += '?';
    url += query;
  }
  return url;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> parameters) {
  for (auto& [name, value] : parameters) {
    name = uri_encode(name, false);
    value = uri_encode(value, false);
  }
  std::sort(parameters.begin(), parameters.end());
  std::string query;
  for (const auto& [name, value] : parameters) {
    if (!query.empty()) query += '&';
    query += name + "=" + value;
  }
  return query;
}

}  // namespace sluice
