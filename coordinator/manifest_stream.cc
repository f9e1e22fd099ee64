#include "coordinator/manifest_stream.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "common/io/publish.h"
#include "coordinator/json_text.h"

namespace sluice {
namespace {

constexpr size_t kWriteBytes = size_t{1} << 20;  // one write() per MiB of manifest

}  // namespace

Status StringSink::append(std::string_view text) {
  text_.append(text);
  return Status::ok();
}

AtomicFileSink::AtomicFileSink(Filesystem& files, std::string path, std::string temp,
                               std::unique_ptr<WritableFile> file)
    : files_(files), path_(std::move(path)), temp_(std::move(temp)), file_(std::move(file)) {}

Result<std::unique_ptr<AtomicFileSink>> AtomicFileSink::create(const std::string& path,
                                                               Filesystem& files) {
  static std::atomic<uint64_t> counter{0};
  SLUICE_RETURN_IF_ERROR(make_directories(parent_directory(path), files));
  std::string temp = fmt::format("{}.tmp-{}-{}", path, ::getpid(), counter.fetch_add(1));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, files.create_file(temp));
  return std::unique_ptr<AtomicFileSink>(
      new AtomicFileSink(files, path, std::move(temp), std::move(file)));
}

AtomicFileSink::~AtomicFileSink() {
  if (file_ == nullptr) return;
  file_.reset();
  (void)files_.remove(temp_);
}

Status AtomicFileSink::append(std::string_view text) {
  if (file_ == nullptr) return internal_error(fmt::format("{} is already committed", path_));
  buffer_.append(text);
  return buffer_.size() >= kWriteBytes ? write_buffer() : Status::ok();
}

Status AtomicFileSink::write_buffer() {
  SLUICE_RETURN_IF_ERROR(file_->append(buffer_));
  buffer_.clear();
  return Status::ok();
}

Status AtomicFileSink::commit() {
  if (file_ == nullptr) return internal_error(fmt::format("{} is already committed", path_));
  SLUICE_RETURN_IF_ERROR(write_buffer());
  SLUICE_RETURN_IF_ERROR(file_->sync());
  std::unique_ptr<WritableFile> file = std::move(file_);
  Status closed = file->close();
  if (closed.is_ok()) closed = files_.rename(temp_, path_, RenameMode::kReplace);
  if (!closed.is_ok()) {
    (void)files_.remove(temp_);
    return closed;
  }
  return files_.fsync_directory(parent_directory(path_));
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
