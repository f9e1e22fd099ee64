#include "coordinator/manifest_stream.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/io/publish.h"
#include "coordinator/json_text.h"

namespace sluice {
namespace {

constexpr size_t kWriteBytes = size_t{1} << 20;  // one write() per MiB of manifest

std::string errno_message() { return std::strerror(errno); }

std::string parent_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

Status StringSink::append(std::string_view text) {
  text_.append(text);
  return Status::ok();
}

AtomicFileSink::AtomicFileSink(std::string path, std::string temp, int fd)
    : path_(std::move(path)), temp_(std::move(temp)), fd_(fd) {}

Result<std::unique_ptr<AtomicFileSink>> AtomicFileSink::create(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  SLUICE_RETURN_IF_ERROR(make_directories(parent_of(path)));
  std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(fmt::format("cannot create {}: {}", temp, errno_message()));
  return std::unique_ptr<AtomicFileSink>(new AtomicFileSink(path, std::move(temp), fd));
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

Status AtomicFileSink::append(std::string_view text) {
  if (fd_ < 0) return internal_error(fmt::format("{} is already committed", path_));
  buffer_.append(text);
  return buffer_.size() >= kWriteBytes ? write_buffer() : Status::ok();
}

Status AtomicFileSink::write_buffer() {
  std::string_view rest = buffer_;
  while (!rest.empty()) {
    const ssize_t count = ::write(fd_, rest.data(), rest.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return io_error(fmt::format("cannot write {}: {}", temp_, errno_message()));
    }
    rest.remove_prefix(static_cast<size_t>(count));
  }
  buffer_.clear();
  return Status::ok();
}

Status AtomicFileSink::commit() {
  SLUICE_RETURN_IF_ERROR(write_buffer());
  if (::fsync(fd_) != 0)
    return io_error(fmt::format("cannot fsync {}: {}", temp_, errno_message()));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const std::string message = fmt::format("cannot close {}: {}", temp_, errno_message());
    ::unlink(temp_.c_str());
    return io_error(message);
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const std::string message =
        fmt::format("cannot rename {} to {}: {}", temp_, path_, errno_message());
    ::unlink(temp_.c_str());
    return io_error(message);
  }
  return fsync_directory(parent_of(path_));
}

Status JsonListWriter::add(const nlohmann::json& entry) {
  // dump(2) of an element of a top-level array: each line indented by 4.
  std::string text = empty_ ? "[\n    " : ",\n    ";
  empty_ = false;
  for (const char c : json_text(entry, 2)) {
    text += c;
    if (c == '\n') text += "    ";  // JSON strings hold no raw newline
  }
  return sink_.append(text);
}

JsonEntry& JsonEntry::number(std::string_view key, uint64_t value) {
  fields_.emplace_back(key, value);
  return *this;
}

JsonEntry& JsonEntry::text(std::string_view key, std::string value) {
  fields_.emplace_back(key, std::move(value));
  return *this;
}

JsonEntry& JsonEntry::pair(std::string_view key, uint64_t first, uint64_t second) {
  fields_.emplace_back(key, std::pair<uint64_t, uint64_t>(first, second));
  return *this;
}

nlohmann::json JsonEntry::to_json() const {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : fields_) {
    nlohmann::json& field = object[std::string(key)];
    if (const auto* number = std::get_if<uint64_t>(&value)) {
      field = *number;
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      field = *text;
    } else {
      const auto& [first, second] = std::get<std::pair<uint64_t, uint64_t>>(value);
      field = {first, second};
    }
  }
  return object;
}

namespace {

// A JSON string as json_text prints it; plain ASCII without escapes
// directly, anything else through nlohmann (escapes, U+FFFD).
void print_string(std::string& out, std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += json_text(nlohmann::json(std::string(text)));
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

}  // namespace

void JsonEntry::print(std::string& out, int indent) const {
  std::vector<const std::pair<std::string_view, Value>*> sorted;
  sorted.reserve(fields_.size());
  for (const auto& field : fields_) sorted.push_back(&field);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  if (sorted.empty()) {
    out += "{}";
    return;
  }
  const std::string inner(indent + 2, ' ');
  out += "{\n";
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& [key, value] = *sorted[i];
    out += inner;
    print_string(out, key);
    out += ": ";
    if (const auto* number = std::get_if<uint64_t>(&value)) {
      out += std::to_string(*number);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      print_string(out, *text);
    } else {
      const auto& [first, second] = std::get<std::pair<uint64_t, uint64_t>>(value);
      const std::string item(indent + 4, ' ');
      out += "[\n" + item + std::to_string(first) + ",\n" + item + std::to_string(second) + "\n";
      out += inner + "]";
    }
    out += i + 1 < sorted.size() ? ",\n" : "\n";
  }
  out += std::string(indent, ' ') + "}";
}

Status JsonListWriter::add(const JsonEntry& entry) {
  text_.assign(empty_ ? "[\n    " : ",\n    ");
  empty_ = false;
  entry.print(text_, 4);
  return sink_.append(text_);
}

Status JsonListWriter::close() { return sink_.append(empty_ ? "[]" : "\n  ]"); }

nlohmann::json streamed_list() { return "\x01sluice-streamed-list"; }

Status write_streamed_json(
    TextSink& sink, const nlohmann::json& head,
    const std::function<Status(const std::string& key, JsonListWriter& writer)>& write_list) {
  const std::string text = json_text(head, 2);
  const nlohmann::json placeholder = streamed_list();
  const std::string placeholder_text = json_text(placeholder);
  size_t from = 0;
  for (const auto& [key, value] : head.items()) {
    if (value != placeholder) continue;
    // A top-level key is the only thing at the start of a line indented by 2.
    const std::string prefix = "\n  " + json_text(key) + ": ";
    const size_t found = text.find(prefix + placeholder_text, from);
    if (found == std::string::npos) return internal_error("manifest list not found: " + key);
    SLUICE_RETURN_IF_ERROR(
        sink.append(std::string_view(text).substr(from, found + prefix.size() - from)));
    JsonListWriter writer(sink);
    SLUICE_RETURN_IF_ERROR(write_list(key, writer));
    SLUICE_RETURN_IF_ERROR(writer.close());
    from = found + prefix.size() + placeholder_text.size();
  }
  SLUICE_RETURN_IF_ERROR(sink.append(std::string_view(text).substr(from)));
  return sink.append("\n");
}

}  // namespace sluice
