#include "common/job/input_listing.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>

namespace sluice {
namespace {

namespace fs = std::filesystem;

bool hidden(const std::string& name) { return name.empty() || name[0] == '.' || name[0] == '_'; }

std::vector<std::string> split_components(const std::string& path) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= path.size()) {
    const size_t slash = path.find('/', begin);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > begin) parts.push_back(path.substr(begin, end - begin));
    if (slash == std::string::npos) break;
    begin = slash + 1;
  }
  return parts;
}

// Every regular file below `dir` not under a hidden entry, into `out`.
Status walk(const fs::path& dir, std::vector<std::string>& out) {
  std::error_code error;
  std::vector<fs::path> pending{dir};
  while (!pending.empty()) {
    const fs::path next = pending.back();
    pending.pop_back();
    fs::directory_iterator entries(next, error);
    if (error) return io_error("cannot list " + next.string() + ": " + error.message());
    for (const auto& entry : entries) {
      if (hidden(entry.path().filename().string())) continue;
      if (entry.is_directory(error)) {
        pending.push_back(entry.path());
      } else if (entry.is_regular_file(error)) {
        out.push_back(entry.path().string());
      }
    }
  }
  return Status::ok();
}

std::vector<std::string> posix_glob(const std::string& pattern, int flags) {
  std::vector<std::string> paths;
  glob_t matches{};
  if (::glob(pattern.c_str(), flags, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  return paths;
}

}  // namespace

Result<std::vector<std::string>> list_directory_files(const std::string& dir) {
  std::vector<std::string> files;
  SLUICE_RETURN_IF_ERROR(walk(dir, files));
  std::sort(files.begin(), files.end());
  return files;
}

bool glob_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  // matched[i][j]: pattern[i..] matches path[j..]; filled from the end.
  std::vector<std::vector<char>> matched(pattern.size() + 1, std::vector<char>(path.size() + 1, 0));
  matched[pattern.size()][path.size()] = 1;
  for (size_t i = pattern.size(); i-- > 0;) {
    for (size_t j = path.size() + 1; j-- > 0;) {
      if (pattern[i] == "**") {
        // Zero components, or this one (not a hidden directory) and more.
        bool value = matched[i + 1][j] != 0;
        if (!value && j < path.size() && !(j + 1 < path.size() && hidden(path[j]))) {
          value = matched[i][j + 1] != 0;
        }
        matched[i][j] = value ? 1 : 0;
      } else if (j < path.size()) {
        matched[i][j] = matched[i + 1][j + 1] != 0 &&
                                ::fnmatch(pattern[i].c_str(), path[j].c_str(), FNM_PERIOD) == 0
                            ? 1
                            : 0;
      }
    }
  }
  return matched[0][0] != 0;
}

std::vector<std::string> expand_glob(const std::string& pattern) {
  std::vector<std::string> parts = split_components(pattern);
  const auto star = std::find(parts.begin(), parts.end(), "**");
  if (star == parts.end()) {
    std::vector<std::string> paths = posix_glob(pattern, 0);
    std::sort(paths.begin(), paths.end());
    return paths;
  }
  // The directories before the first `**` (themselves a glob, maybe), each
  // walked and its files matched against the rest of the pattern.
  std::string prefix = pattern.starts_with("/") ? "/" : "";
  for (auto part = parts.begin(); part != star; ++part) {
    prefix += *part;
    prefix += '/';
  }
  const std::vector<std::string> rest(star, parts.end());
  std::vector<std::string> roots;
  if (prefix.find_first_of("*?[") != std::string::npos) {
    roots = posix_glob(prefix, GLOB_ONLYDIR | GLOB_MARK);
  } else {
    roots.push_back(prefix.empty() ? "." : prefix);
  }
  std::vector<std::string> paths;
  for (const std::string& root : roots) {
    std::error_code error;
    if (!fs::is_directory(root, error)) continue;
    std::vector<std::string> files;
    if (!walk(root, files).is_ok()) continue;
    const size_t root_length = fs::path(root).lexically_normal().string().size();
    for (const std::string& file : files) {
      const std::string normal = fs::path(file).lexically_normal().string();
      std::string relative = normal.substr(std::min(root_length, normal.size()));
      if (glob_matches(rest, split_components(relative))) paths.push_back(normal);
    }
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

}  // namespace sluice
