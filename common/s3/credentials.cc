#include "common/s3/credentials.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

namespace sluice {
namespace {

constexpr size_t kCredentialsFileBytesMax = 1 << 20;  // a credentials file is a few lines

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot read the S3 credentials file {}", path));
  std::string text;
  text.resize(kCredentialsFileBytesMax + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kCredentialsFileBytesMax) {
    return invalid_argument(fmt::format("the S3 credentials file {} is larger than 1 MiB", path));
  }
  return text;
}

Result<S3Credentials> from_file(const std::string& path, const std::string& profile) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, read_small_file(path));
  return parse_credentials_file(text, profile, path);
}

}  // namespace

Result<S3Credentials> parse_credentials_file(std::string_view text, const std::string& profile,
                                             const std::string& name) {
  S3Credentials credentials;
  credentials.source = fmt::format("{} [{}]", name, profile);
  bool in_profile = false;
  bool found = false;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    line_number += 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return invalid_argument(
            fmt::format("{} line {}: a section header must end with ']'", name, line_number));
      }
      std::string_view section = trim(line.substr(1, line.size() - 2));
      if (section.starts_with("profile ")) section = trim(section.substr(8));  // config style
      in_profile = section == profile;
      found = found || in_profile;
      continue;
    }
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      // Never quote the line: it may hold a secret.
      return invalid_argument(fmt::format("{} line {}: expected key = value", name, line_number));
    }
    if (!in_profile) continue;
    const std::string key = lower(trim(line.substr(0, equals)));
    const std::string value(trim(line.substr(equals + 1)));
    if (key == "aws_access_key_id") credentials.access_key_id = value;
    if (key == "aws_secret_access_key") credentials.secret_access_key = value;
    if (key == "aws_session_token") credentials.session_token = value;
  }
  if (!found) return not_found(fmt::format("{} has no profile [{}]", name, profile));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return invalid_argument(
        fmt::format("{} [{}] lacks aws_access_key_id or aws_secret_access_key", name, profile));
  }
  return credentials;
}

Result<S3Credentials> load_s3_credentials(const S3Settings& settings) {
  std::string profile = settings.profile;
  if (profile.empty()) profile = env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  if (!settings.credentials_file.empty()) return from_file(settings.credentials_file, profile);
  const std::string id = env("AWS_ACCESS_KEY_ID");
  const std::string secret = env("AWS_SECRET_ACCESS_KEY");
  if (!id.empty() && !secret.empty()) {
    return S3Credentials{id, secret, env("AWS_SESSION_TOKEN"), "the environment"};
  }
  std::string shared = env("AWS_SHARED_CREDENTIALS_FILE");
  if (shared.empty() && !env("HOME").empty()) shared = env("HOME") + "/.aws/credentials";
  if (!shared.empty()) {
    std::ifstream probe(shared);
    if (probe) return from_file(shared, profile);
  }
  return invalid_argument(fmt::format(
      "no S3 credentials: give input.s3.credentials_file (or output.s3.credentials_file), set "
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write {}",
      shared.empty() ? std::string("~/.aws/credentials") : shared));
}

}  // namespace sluice
