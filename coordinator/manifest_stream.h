#pragma once
// A manifest's JSON written as a stream: its long lists (a job's parts,
// rejects and per-partition accounting, one entry per partition) entry by
// entry, never as one tree or one string, so that the coordinator's memory
// at a job's end does not grow with its number of partitions. The text is
// byte for byte what json_text(manifest, 2) prints for the whole tree.
// Thread safety: none; one writer per manifest.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/base/status.h"
#include "common/io/filesystem.h"

namespace sluice {

// Where a manifest's text goes.
class TextSink {
 public:
  virtual ~TextSink() = default;
  virtual Status append(std::string_view text) = 0;
};

// The whole text in memory (an S3 manifest, tests).
class StringSink final : public TextSink {
 public:
  Status append(std::string_view text) override;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Replaces `path` with what was appended, atomically, at commit(): a
// temporary file beside it written in 1 MiB pieces, fsync, rename,
// directory fsync, through `files`. Readers see the old or the new file, never a part;
// destroyed without a commit, the temporary file goes.
class AtomicFileSink final : public TextSink {
 public:
  static Result<std::unique_ptr<AtomicFileSink>> create(const std::string& path,
                                                        Filesystem& files = real_filesystem());
  ~AtomicFileSink() override;
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;

  Status append(std::string_view text) override;
  Status commit();

 private:
  AtomicFileSink(Filesystem& files, std::string path, std::string temp,
                 std::unique_ptr<WritableFile> file);
  Status write_buffer();

  Filesystem& files_;
  std::string path_;
  std::string temp_;
  std::unique_ptr<WritableFile> file_;  // null once committed
  std::string buffer_;
};

// A flat object of a streamed list (a part, a partition's accounting),
// printed without building a tree: at a million partitions the trees were
// most of a job's end. Values are numbers, strings (any bytes: what is not
// UTF-8 prints as U+FFFD, as json_text does) and pairs of numbers. Keys are
// string literals; they print sorted, as nlohmann's objects do.
class JsonEntry {
 public:
  JsonEntry& number(std::string_view key, uint64_t value);
  JsonEntry& text(std::string_view key, std::string value);
  JsonEntry& pair(std::string_view key, uint64_t first, uint64_t second);
  nlohmann::json to_json() const;
  // dump(2) of the object as an element of a top-level array: fields at
  // `indent` + 2 spaces, the closing brace at `indent`.
  void print(std::string& out, int indent) const;

 private:
  using Value = std::variant<uint64_t, std::string, std::pair<uint64_t, uint64_t>>;
  std::vector<std::pair<std::string_view, Value>> fields_;
};

// One streamed list: add() each entry, as dump(2) prints an element of a
// top-level array.
class JsonListWriter {
 public:
  explicit JsonListWriter(TextSink& sink) : sink_(sink) {}
  Status add(const nlohmann::json& entry);
  Status add(const JsonEntry& entry);
  // "[]" when nothing was added, else the closing bracket.
  Status close();

 private:
  TextSink& sink_;
  bool empty_ = true;
  std::string text_;  // the entry being printed, reused
};

// The placeholder of a streamed list in write_streamed_json's `head`.
nlohmann::json streamed_list();

// Writes `head` as json_text(head, 2) + "\n" would, except that each of
// its top-level keys whose value is streamed_list() is written by
// `write_list(key, writer)` (in the order the keys print: sorted).
Status write_streamed_json(
    TextSink& sink, const nlohmann::json& head,
    const std::function<Status(const std::string& key, JsonListWriter& writer)>& write_list);

}  // namespace sluice
