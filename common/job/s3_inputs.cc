#include "common/job/s3_inputs.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>

#include "common/s3/s3_source.h"

namespace sluice {
namespace {

InputFile input_file(const std::string& bucket, const S3Object& object) {
  InputFile file;
  file.path = s3_url(S3Location{bucket, object.key});
  file.size_bytes = object.size_bytes;
  file.mtime_ns = s3_identity(object);
  return file;
}

// The objects directly under `prefix` (ending in '/' or empty), as a local
// directory's files: not deeper, not starting with '.' or '_'.
std::vector<InputFile> directory_entries(const std::string& bucket, const std::string& prefix,
                                         const std::vector<S3Object>& objects) {
  std::vector<InputFile> files;
  for (const S3Object& object : objects) {
    const std::string_view name = std::string_view(object.key).substr(prefix.size());
    if (name.empty() || name.find('/') != std::string_view::npos) continue;
    if (name.front() == '.' || name.front() == '_') continue;  // hidden, _SUCCESS, ...
    files.push_back(input_file(bucket, object));
  }
  return files;
}

}  // namespace

Result<std::unique_ptr<S3Client>> open_s3_client(const S3Options& options) {
  SLUICE_ASSIGN_OR_RETURN(S3Settings settings, resolve_s3_settings(options));
  return S3Client::create(settings);
}

Result<InputFile> stat_s3_input(const std::string& url, const S3Options& options) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(url));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, open_s3_client(options));
  auto object = client->head(location);
  if (!object.is_ok()) {
    if (object.status().code() == StatusCode::kNotFound) {
      return not_found("input " + url + " does not exist");
    }
    return object.status();
  }
  return input_file(location.bucket, *object);
}

Result<std::vector<InputFile>> resolve_s3_inputs(const std::string& pattern,
                                                 const S3Options& options) {
  SLUICE_ASSIGN_OR_RETURN(S3Location location, parse_s3_url(pattern));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<S3Client> client, open_s3_client(options));
  std::vector<InputFile> files;
  const size_t glob = location.key.find_first_of("*?[");
  if (glob != std::string::npos) {
    const std::string prefix = location.key.substr(0, glob);
    SLUICE_ASSIGN_OR_RETURN(std::vector<S3Object> objects, client->list(location.bucket, prefix));
    for (const S3Object& object : objects) {
      if (object.key.ends_with('/')) continue;  // a "folder" marker
      if (::fnmatch(location.key.c_str(), object.key.c_str(), FNM_PATHNAME) == 0) {
        files.push_back(input_file(location.bucket, object));
      }
    }
    if (files.empty()) return not_found("input " + pattern + " matches no object");
  } else if (location.key.empty() || location.key.ends_with('/')) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<S3Object> objects,
                            client->list(location.bucket, location.key));
    files = directory_entries(location.bucket, location.key, objects);
    if (files.empty()) return not_found("input " + pattern + " holds no object");
  } else {
    auto object = client->head(location);
    if (object.is_ok()) return std::vector<InputFile>{input_file(location.bucket, *object)};
    if (object.status().code() != StatusCode::kNotFound) return object.status();
    // No such object: a prefix written without its '/'?
    const std::string prefix = location.key + "/";
    SLUICE_ASSIGN_OR_RETURN(std::vector<S3Object> objects, client->list(location.bucket, prefix));
    files = directory_entries(location.bucket, prefix, objects);
    if (files.empty()) return not_found("input " + pattern + " does not exist");
  }
  std::sort(files.begin(), files.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace sluice
