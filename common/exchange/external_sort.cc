#include "common/exchange/external_sort.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/little_endian.h"
#include "common/exchange/sort_record.h"
#include "common/io/byte_source.h"
#include "common/io/output_sink.h"

namespace sluice {
namespace {

constexpr char kMagic[8] = {'S', 'L', 'X', 'S', 'O', 'R', 'T', '1'};
constexpr size_t kTrailerBytes = 32;
// A reader's buffer: large enough that reads are few, small enough that
// kMergeFanInMax of them stay modest; smaller under small budgets.
constexpr size_t kReadBufferBytesMax = 256 << 10;
constexpr size_t kReadBufferBytesMin = 16 << 10;
// Bytes a run writer buffers before a write().
constexpr size_t kRunWriteBufferBytes = 256 << 10;
// Reads the records of a run or sorted-rows file, [0, end_offset), one at a
// time, through a bounded buffer.
class RecordReader {
 public:
  RecordReader(std::unique_ptr<FileSource> source, uint64_t end_offset, size_t buffer_bytes,
               size_t columns)
      : source_(std::move(source)), end_offset_(end_offset), columns_(columns) {
    buffer_.resize(buffer_bytes);
  }

  // Moves to the next record; done() past the last. The previous record's
  // bytes are invalid from here.
  Status advance() {
    begin_ += record_length_;
    record_length_ = 0;
    if (begin_ == end_ && file_offset_ == end_offset_) {
      done_ = true;
      return Status::ok();
    }
    for (;;) {
      uint64_t needed = 0;
      record_length_ =
          parse_record(buffer_.data() + begin_, end_ - begin_, columns_, spans_, needed);
      if (record_length_ != 0) break;
      SLUICE_RETURN_IF_ERROR(fill(needed));
    }
    records_read_++;
    return Status::ok();
  }

  bool done() const { return done_; }
  std::string_view record() const {
    return std::string_view(buffer_.data() + begin_, static_cast<size_t>(record_length_));
  }
  std::string_view key() const {
    return std::string_view(buffer_.data() + begin_ + 4, get_u32(buffer_.data() + begin_));
  }
  const std::vector<FieldSpan>& spans() const { return spans_; }
  uint64_t records_read() const { return records_read_; }
  const std::string& path() const { return source_->path(); }

 private:
  // Makes at least `needed` bytes of the current record available.
  Status fill(uint64_t needed) {
    if (needed > end_offset_ - file_offset_ + (end_ - begin_)) {
      return data_error(fmt::format("{}: ends inside a record at offset {}", path(),
                                    file_offset_ - (end_ - begin_)));
    }
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (needed > buffer_.size()) buffer_.resize(static_cast<size_t>(needed));  // one record
    while (end_ < needed) {
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(buffer_.size() - end_, end_offset_ - file_offset_));
      SLUICE_ASSIGN_OR_RETURN(size_t count,
                              source_->read_at(file_offset_, buffer_.data() + end_, want));
      if (count == 0) {
        return data_error(fmt::format("{}: ends early at offset {}", path(), file_offset_));
      }
      end_ += count;
      file_offset_ += count;
    }
    return Status::ok();
  }

  std::unique_ptr<FileSource> source_;
  uint64_t end_offset_;
  size_t columns_;
  std::vector<char> buffer_;
  size_t begin_ = 0;  // of the current record in buffer_
  size_t end_ = 0;    // of the bytes read into buffer_
  uint64_t file_offset_ = 0;
  uint64_t record_length_ = 0;
  std::vector<FieldSpan> spans_;
  uint64_t records_read_ = 0;
  bool done_ = false;
};

// Appends records to a run file through a buffer; no fsync (runs are
// temporary: a crash loses the task attempt anyway).
class RunWriter {
 public:
  ~RunWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) return io_error(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
    return Status::ok();
  }
  Status append(std::string_view bytes) {
    buffer_.append(bytes);
    return buffer_.size() >= kRunWriteBufferBytes ? flush() : Status::ok();
  }
  Status finish() {
    SLUICE_RETURN_IF_ERROR(flush());
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      return io_error(fmt::format("cannot close {}: {}", path_, std::strerror(errno)));
    }
    return Status::ok();
  }

 private:
  Status flush() {
    std::string_view bytes = buffer_;
    while (!bytes.empty()) {
      const ssize_t count = ::write(fd_, bytes.data(), bytes.size());
      if (count < 0) {
        if (errno == EINTR) continue;
        return io_error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
      }
      bytes.remove_prefix(static_cast<size_t>(count));
    }
    buffer_.clear();
    return Status::ok();
  }

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
};

// Merges the readers' records by key (ties: the lower index first) and hands
// each to `take`, which must be done with it when it returns.
Status merge_records(std::vector<std::unique_ptr<RecordReader>>& readers,
                     const std::function<Status(const RecordReader&)>& take) {
  // A heap of reader indexes, least key (then least index) on top.
  const auto after = [&](size_t a, size_t b) {
    const int order = readers[a]->key().compare(readers[b]->key());
    return order != 0 ? order > 0 : a > b;
  };
  std::vector<size_t> heap;
  for (size_t i = 0; i < readers.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(readers[i]->advance());
    if (!readers[i]->done()) heap.push_back(i);
  }
  std::make_heap(heap.begin(), heap.end(), after);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    RecordReader& reader = *readers[heap.back()];
    SLUICE_RETURN_IF_ERROR(take(reader));
    SLUICE_RETURN_IF_ERROR(reader.advance());
    if (reader.done()) {
      heap.pop_back();
    } else {
      std::push_heap(heap.begin(), heap.end(), after);
    }
  }
  return Status::ok();
}

Result<std::unique_ptr<RecordReader>> open_run(const std::string& path, size_t buffer_bytes,
                                               size_t columns) {
  auto source = FileSource::open(path);
  if (!source.is_ok()) return io_error(source.status().message());
  const uint64_t size = source.value()->size_bytes();
  return std::make_unique<RecordReader>(std::move(source).value(), size, buffer_bytes, columns);
}

Result<std::vector<std::unique_ptr<RecordReader>>> open_runs(const std::vector<std::string>& paths,
                                                             size_t buffer_bytes, size_t columns) {
  std::vector<std::unique_ptr<RecordReader>> readers;
  for (const std::string& path : paths) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader,
                            open_run(path, buffer_bytes, columns));
    readers.push_back(std::move(reader));
  }
  return readers;
}

uint64_t next_sorter_id() {
  static std::atomic<uint64_t> next{0};
  return next++;
}

// Distinguishes this process's run files from those of another process
// (another container, perhaps) sharing the spill directory with the same pid.
uint32_t process_token() {
  static const uint32_t token = std::random_device{}();
  return token;
}

}  // namespace

ExternalSorter::ExternalSorter(size_t column_count, uint64_t memory_budget_bytes,
                               std::string spill_dir)
    : column_count_(column_count),
      memory_budget_bytes_(memory_budget_bytes),
      spill_dir_(std::move(spill_dir)),
      sorter_id_(next_sorter_id()) {}

ExternalSorter::~ExternalSorter() { remove_runs(); }

void ExternalSorter::remove_runs() {
  std::error_code ignored;
  for (const std::string& path : files_) std::filesystem::remove(path, ignored);
  files_.clear();
  runs_.clear();
}

Status ExternalSorter::add(std::string_view key, const OutputBatch& rows, size_t row) {
  if (finished_) return internal_error("external sort: add() after finish");
  if (rows.column_count != column_count_) {
    return invalid_argument(fmt::format("external sort: a row of {} columns, expected {}",
                                        rows.column_count, column_count_));
  }
  if (key.size() > UINT32_MAX) return invalid_argument("external sort: key longer than 4 GiB");
  uint64_t record_bytes = 4 + key.size() + kRecordFieldHeaderBytes * column_count_;
  for (size_t column = 0; column < column_count_; ++column) {
    const size_t length = rows.field(row, column).size();
    if (length > UINT32_MAX) return invalid_argument("external sort: field longer than 4 GiB");
    record_bytes += length;
  }
  const uint64_t row_bytes = record_bytes + kRowOverheadBytes;
  if (!entries_.empty() && held_bytes_ + row_bytes > memory_budget_bytes_) {
    SLUICE_RETURN_IF_ERROR(spill());
  }
  if (record_bytes > UINT32_MAX) return invalid_argument("external sort: row longer than 4 GiB");
  char prefix[kPrefixBytes] = {};
  std::memcpy(prefix, key.data(), std::min(key.size(), kPrefixBytes));
  entries_.push_back(Entry{get_u64_big_endian(prefix), get_u64_big_endian(prefix + 8),
                           records_.size(), static_cast<uint32_t>(record_bytes),
                           static_cast<uint32_t>(key.size())});
  append_record(records_, key, rows, row);
  held_bytes_ += row_bytes;
  return Status::ok();
}

// Equal prefixes: the keys agree on their first min(length, 16) bytes, so a
// key of at most 16 bytes is a prefix of the other and the shorter is less;
// two longer keys differ only after their 16th byte.
bool ExternalSorter::entry_less(const Entry& a, const Entry& b, const char* records) {
  if (a.prefix_high != b.prefix_high) return a.prefix_high < b.prefix_high;
  if (a.prefix_low != b.prefix_low) return a.prefix_low < b.prefix_low;
  if (a.key_length <= kPrefixBytes || b.key_length <= kPrefixBytes) {
    return a.key_length < b.key_length;
  }
  const std::string_view rest_a(records + a.offset + 4 + kPrefixBytes, a.key_length - kPrefixBytes);
  const std::string_view rest_b(records + b.offset + 4 + kPrefixBytes, b.key_length - kPrefixBytes);
  return rest_a < rest_b;
}

void ExternalSorter::sort_held() {
  const char* records = records_.data();
  std::stable_sort(entries_.begin(), entries_.end(),
                   [records](const Entry& a, const Entry& b) { return entry_less(a, b, records); });
}

void ExternalSorter::release_held() {
  std::string().swap(records_);
  std::vector<Entry>().swap(entries_);
  held_bytes_ = 0;
}

std::string ExternalSorter::new_run_path() {
  return fmt::format("{}/sort-{:08x}-{}-{}-{}.run", spill_dir_, process_token(), ::getpid(),
                     sorter_id_, run_files_created_++);
}

Status ExternalSorter::spill() {
  if (entries_.empty()) return Status::ok();
  sort_held();
  std::error_code error;
  std::filesystem::create_directories(spill_dir_, error);
  if (error) return io_error(fmt::format("cannot create {}: {}", spill_dir_, error.message()));
  const std::string path = new_run_path();
  RunWriter writer;
  SLUICE_RETURN_IF_ERROR(writer.open(path));
  files_.push_back(path);  // removed by the destructor whatever happens next
  for (const Entry& entry : entries_) {
    SLUICE_RETURN_IF_ERROR(
        writer.append(std::string_view(records_.data() + entry.offset, entry.length)));
  }
  SLUICE_RETURN_IF_ERROR(writer.finish());
  runs_.push_back(path);
  runs_spilled_++;
  records_.clear();  // keeps its capacity for the next rows
  entries_.clear();
  held_bytes_ = 0;
  return Status::ok();
}

size_t ExternalSorter::read_buffer_bytes(size_t readers) const {
  const uint64_t share = memory_budget_bytes_ / std::max<size_t>(readers, 1);
  return static_cast<size_t>(std::clamp<uint64_t>(share, kReadBufferBytesMin, kReadBufferBytesMax));
}

Status ExternalSorter::prepare_final_merge() {
  SLUICE_RETURN_IF_ERROR(spill());
  release_held();
  while (runs_.size() > kMergeFanInMax) {
    std::vector<std::string> longer;
    for (size_t begin = 0; begin < runs_.size(); begin += kMergeFanInMax) {
      const size_t end = std::min(runs_.size(), begin + kMergeFanInMax);
      if (end - begin == 1) {
        longer.push_back(runs_[begin]);
        continue;
      }
      const std::vector<std::string> group(runs_.begin() + begin, runs_.begin() + end);
      SLUICE_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<RecordReader>> readers,
                              open_runs(group, read_buffer_bytes(group.size()), column_count_));
      const std::string path = new_run_path();
      RunWriter writer;
      SLUICE_RETURN_IF_ERROR(writer.open(path));
      files_.push_back(path);
      SLUICE_RETURN_IF_ERROR(merge_records(
          readers, [&](const RecordReader& reader) { return writer.append(reader.record()); }));
      SLUICE_RETURN_IF_ERROR(writer.finish());
      longer.push_back(path);
      readers.clear();
      std::error_code ignored;
      for (const std::string& run : group) std::filesystem::remove(run, ignored);
    }
    runs_ = std::move(longer);
  }
  return Status::ok();
}

Status ExternalSorter::finish(const std::function<Status(const OutputBatch&)>& emit) {
  if (finished_) return internal_error("external sort: finished twice");
  finished_ = true;
  Status status = emit_sorted(emit);
  release_held();
  remove_runs();
  return status;
}

Status ExternalSorter::emit_sorted(const std::function<Status(const OutputBatch&)>& emit) {
  if (runs_.empty()) {  // all in memory: the batches view the held records
    sort_held();
    BatchBuilder builder(column_count_, /*copy=*/false, emit);
    std::vector<FieldSpan> spans;
    for (const Entry& entry : entries_) {
      const char* record = records_.data() + entry.offset;
      uint64_t needed = 0;
      parse_record(record, entry.length, column_count_, spans, needed);
      SLUICE_RETURN_IF_ERROR(builder.add(record, spans));
    }
    return builder.flush();
  }
  SLUICE_RETURN_IF_ERROR(prepare_final_merge());
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<RecordReader>> readers,
                          open_runs(runs_, read_buffer_bytes(runs_.size()), column_count_));
  BatchBuilder builder(column_count_, /*copy=*/true, emit);
  SLUICE_RETURN_IF_ERROR(merge_records(readers, [&](const RecordReader& reader) {
    return builder.add(reader.record().data(), reader.spans());
  }));
  return builder.flush();
}

Result<WriteStats> ExternalSorter::finish_to_file(const std::string& path) {
  if (finished_) return internal_error("external sort: finished twice");
  finished_ = true;
  Result<WriteStats> stats = write_sorted_file(path);
  release_held();
  remove_runs();
  if (!stats.is_ok()) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  return stats;
}

Status ExternalSorter::finish_records(const std::function<Status(std::string_view)>& take) {
  if (finished_) return internal_error("external sort: finished twice");
  finished_ = true;
  Status status = for_each_sorted_record(take);
  release_held();
  remove_runs();
  return status;
}

Status ExternalSorter::for_each_sorted_record(const std::function<Status(std::string_view)>& take) {
  if (runs_.empty()) {
    sort_held();
    for (const Entry& entry : entries_) {
      SLUICE_RETURN_IF_ERROR(take(std::string_view(records_.data() + entry.offset, entry.length)));
    }
    return Status::ok();
  }
  SLUICE_RETURN_IF_ERROR(prepare_final_merge());
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<RecordReader>> readers,
                          open_runs(runs_, read_buffer_bytes(runs_.size()), column_count_));
  return merge_records(readers, [&](const RecordReader& reader) { return take(reader.record()); });
}

Result<WriteStats> ExternalSorter::write_sorted_file(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<OutputSink> sink,
                          OutputSink::open(path, Compression::kNone));
  Hasher hasher;
  uint64_t rows = 0, records_bytes = 0;
  SLUICE_RETURN_IF_ERROR(for_each_sorted_record([&](std::string_view record) {
    sink->pending().append(record);
    hasher.update(record);
    rows++;
    records_bytes += record.size();
    return sink->flush_if_full();
  }));
  std::string trailer;
  put_u64(trailer, rows);
  put_u64(trailer, records_bytes);
  hasher.update(trailer);
  put_u64(trailer, hasher.digest());
  trailer.append(kMagic, sizeof kMagic);
  sink->pending().append(trailer);
  SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink->finish());
  return WriteStats{rows, totals.bytes, totals.checksum};
}

Status merge_sorted_files(const std::vector<std::string>& paths, size_t column_count,
                          const std::function<Status(const OutputBatch&)>& emit) {
  // Every file is checked whole before the first row goes out.
  std::vector<std::unique_ptr<RecordReader>> readers;
  std::vector<uint64_t> rows_expected;
  std::vector<char> chunk(kReadBufferBytesMax);
  for (const std::string& path : paths) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(path));
    const uint64_t size = source->size_bytes();
    if (size < kTrailerBytes) {
      return data_error(fmt::format("{}: not a sorted-rows file ({} bytes)", path, size));
    }
    char trailer[kTrailerBytes];
    SLUICE_ASSIGN_OR_RETURN(size_t count,
                            source->read_at(size - kTrailerBytes, trailer, kTrailerBytes));
    if (count != kTrailerBytes || std::memcmp(trailer + 24, kMagic, sizeof kMagic) != 0) {
      return data_error(fmt::format("{}: not a sorted-rows file (no trailer at its end)", path));
    }
    const uint64_t rows = get_u64(trailer);
    const uint64_t records_bytes = get_u64(trailer + 8);
    if (records_bytes != size - kTrailerBytes) {
      return data_error(fmt::format("{}: sorted-rows file of {} bytes, its trailer says {}", path,
                                    size, records_bytes + kTrailerBytes));
    }
    Hasher hasher;
    for (uint64_t done = 0; done < records_bytes;) {
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(records_bytes - done, chunk.size()));
      SLUICE_ASSIGN_OR_RETURN(size_t got, source->read_at(done, chunk.data(), want));
      if (got == 0) return data_error(fmt::format("{}: ends early at offset {}", path, done));
      hasher.update(std::string_view(chunk.data(), got));
      done += got;
    }
    hasher.update(std::string_view(trailer, 16));
    if (hasher.digest() != get_u64(trailer + 16)) {
      return data_error(fmt::format("{}: sorted-rows file fails its checksum", path));
    }
    readers.push_back(std::make_unique<RecordReader>(std::move(source), records_bytes,
                                                     kReadBufferBytesMax, column_count));
    rows_expected.push_back(rows);
  }
  chunk = std::vector<char>();
  BatchBuilder builder(column_count, /*copy=*/true, emit);
  SLUICE_RETURN_IF_ERROR(merge_records(readers, [&](const RecordReader& reader) {
    return builder.add(reader.record().data(), reader.spans());
  }));
  SLUICE_RETURN_IF_ERROR(builder.flush());
  for (size_t i = 0; i < readers.size(); ++i) {
    if (readers[i]->records_read() != rows_expected[i]) {
      return data_error(fmt::format("{}: holds {} rows, its trailer says {}", paths[i],
                                    readers[i]->records_read(), rows_expected[i]));
    }
  }
  return Status::ok();
}

}  // namespace sluice
