// The bounded-memory merge of partial rows: spills of the table as sorted
// runs, and their k-way merge by key (README.md, "External merge").
#include "common/pipeline/external_aggregate.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <queue>
#include <string_view>
#include <utility>

#include "common/base/limits.h"
#include "common/csv/range_reader.h"
#include "common/io/byte_source.h"
#include "common/io/text_format.h"

namespace sluice {

// Writes partial rows to a run file as header-less CSV (as sluice's CSV
// writer spells them: minimal quoting, NULL an empty field, '\n'), through a
// buffer of kSpillWriteBufferBytes. No fsync: a run lives as long as the task.
class ExternalAggregator::RunWriter {
 public:
  RunWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~RunWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;

  Status append(const OutputBatch& rows) {
    for (size_t row = 0; row < rows.row_count; ++row) {
      const size_t record_begin = buffer_.size();
      for (size_t column = 0; column < rows.column_count; ++column) {
        if (column > 0) buffer_ += ',';
        const std::string_view field =
            rows.is_null(row, column) ? std::string_view() : rows.field(row, column);
        append_csv_field(buffer_, field);
      }
      // A lone empty field would be an empty line, which readers skip.
      if (buffer_.size() == record_begin) buffer_ += "\"\"";
      record_bytes_max_ = std::max<uint64_t>(record_bytes_max_, buffer_.size() - record_begin);
      buffer_ += '\n';
      if (buffer_.size() >= kSpillWriteBufferBytes) SLUICE_RETURN_IF_ERROR(flush());
    }
    return Status::ok();
  }

  Status finish() {
    SLUICE_RETURN_IF_ERROR(flush());
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) {
      return io_error(fmt::format("{}: close: {}", path_, std::strerror(errno)));
    }
    return Status::ok();
  }

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t record_bytes_max() const { return record_bytes_max_; }

 private:
  Status flush() {
    size_t written = 0;
    while (written < buffer_.size()) {
      const ssize_t count = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
      if (count < 0 && errno == EINTR) continue;
      if (count < 0) return io_error(fmt::format("{}: write: {}", path_, std::strerror(errno)));
      written += static_cast<size_t>(count);
    }
    bytes_ += buffer_.size();
    buffer_.clear();
    return Status::ok();
  }

  int fd_;
  std::string path_;
  std::string buffer_;
  uint64_t bytes_ = 0;
  uint64_t record_bytes_max_ = 0;  // without its '\n'
};

// One run being merged: its reader, the current batch and the encoded key of
// each of its rows, and the next row to merge.
struct ExternalAggregator::RunCursor {
  std::string path;
  std::unique_ptr<FileSource> source;
  std::unique_ptr<CsvRangeReader> reader;
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  std::string key_bytes;
  std::vector<size_t> key_ends;
  std::string last_key;  // the previous batch's last key: runs are in key order
  size_t row = 0;
  bool reader_done = false;

  bool done() const { return row >= batch.row_count; }
  std::string_view key(size_t r) const {
    const size_t begin = r == 0 ? 0 : key_ends[r - 1];
    return std::string_view(key_bytes.data() + begin, key_ends[r] - begin);
  }
  std::string_view key() const { return key(row); }

  // Moves to the next batch while `row` is past this one, until rows or the
  // run's end. `keys` encodes the keys (any Aggregator of the plan).
  Status refill(Aggregator& keys) {
    while (done() && !reader_done) {
      if (batch.row_count > 0) last_key.assign(key(batch.row_count - 1));
      rejects.clear();
      Result<bool> more = reader->next(batch, rejects);
      if (!more.is_ok()) {
        return Status(more.status().code(), fmt::format("{}: {}", path, more.status().message()));
      }
      reader_done = !more.value();
      if (!rejects.empty()) {
        return data_error(fmt::format("{}: spilled run: record at byte offset {}: {}", path,
                                      rejects[0].offset, rejects[0].reason));
      }
      Status keyed = keys.partial_keys(batch, key_bytes, key_ends);
      if (!keyed.is_ok()) return data_error(fmt::format("{}: {}", path, keyed.message()));
      row = 0;
      for (size_t r = 0; r < batch.row_count; ++r) {
        const std::string_view previous = r == 0 ? std::string_view(last_key) : key(r - 1);
        if (key(r) < previous) {
          return data_error(fmt::format("{}: spilled run out of key order at byte offset {}", path,
                                        batch.offsets[r]));
        }
      }
    }
    return Status::ok();
  }
};

ExternalAggregator::ExternalAggregator(const AggregatePlan& plan, uint64_t memory_budget_bytes,
                                       std::string spill_dir)
    : plan_(plan),
      memory_budget_bytes_(memory_budget_bytes),
      spill_dir_(std::move(spill_dir)),
      table_(plan) {}

ExternalAggregator::~ExternalAggregator() {
  for (const std::string& path : created_) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
}

Status ExternalAggregator::add_partial(const RecordBatch& batch) {
  SLUICE_ASSERT(!finished_, "add_partial after finish");
  // Slices of rows between checks of the table's memory: at most
  // kAddSliceRows rows, fewer once their fields pass kAddSliceFieldBytes
  // (count_distinct fields may be a MiB each).
  constexpr size_t kAddSliceFieldBytes = 16 << 10;
  if (batch.row_count == 0) return table_.merge_partial(batch);  // checks the columns
  size_t begin = 0;
  while (begin < batch.row_count) {
    size_t end = begin;
    size_t field_bytes = 0;
    while (end < batch.row_count && end - begin < kAddSliceRows &&
           field_bytes < kAddSliceFieldBytes) {
      for (size_t column = 0; column < batch.column_count; ++column)
        field_bytes += batch.field(end, column).size();
      ++end;
    }
    SLUICE_RETURN_IF_ERROR(table_.merge_partial_rows(batch, begin, end));
    if (table_.memory_bytes() > memory_budget_bytes_) SLUICE_RETURN_IF_ERROR(spill_table());
    begin = end;
  }
  return Status::ok();
}

Result<std::unique_ptr<ExternalAggregator::RunWriter>> ExternalAggregator::open_run() {
  std::error_code error;
  std::filesystem::create_directories(spill_dir_, error);
  if (error) {
    return io_error(
        fmt::format("{}: cannot create the spill directory: {}", spill_dir_, error.message()));
  }
  std::string path = spill_dir_ + "/aggregate-run-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    return io_error(fmt::format("{}: cannot create a spill file: {}", path, std::strerror(errno)));
  }
  created_.push_back(path);
  return std::make_unique<RunWriter>(fd, std::move(path));
}

Status ExternalAggregator::close_run(RunWriter& writer, std::vector<Run>& runs) {
  SLUICE_RETURN_IF_ERROR(writer.finish());
  runs.push_back(Run{writer.path(), writer.bytes()});
  ++runs_spilled_;
  bytes_spilled_ += writer.bytes();
  record_bytes_max_ = std::max(record_bytes_max_, writer.record_bytes_max());
  return Status::ok();
}

void ExternalAggregator::remove_run(const Run& run) {
  std::error_code ignored;
  std::filesystem::remove(run.path, ignored);
  // Forgotten at once: mkostemp may give the name to another file later.
  created_.erase(std::remove(created_.begin(), created_.end(), run.path), created_.end());
}

namespace {

// Appends every group of `table`, in key order, to `writer` a slice at a time.
template <typename Writer>
Status write_groups(const Aggregator& table, Writer& writer, size_t slice_groups) {
  const std::vector<size_t> order = table.sorted_groups();
  OutputBatch rows;
  for (size_t begin = 0; begin < order.size(); begin += slice_groups) {
    rows.clear();
    table.write_partial(order, begin, std::min(order.size(), begin + slice_groups), rows);
    SLUICE_RETURN_IF_ERROR(writer.append(rows));
  }
  return Status::ok();
}

}  // namespace

Status ExternalAggregator::spill_table() {
  if (table_.group_count() == 0) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RunWriter> writer, open_run());
  SLUICE_RETURN_IF_ERROR(write_groups(table_, *writer, kSpillSliceGroups));
  SLUICE_RETURN_IF_ERROR(close_run(*writer, runs_));
  table_.clear();
  return Status::ok();
}

size_t ExternalAggregator::merge_fan_in() const {
  // A reader's batch: a view per field, an offset and a raw view per record.
  const uint64_t batch_bytes =
      limits::kBatchRowsMax * ((plan_.partial_columns.size() + 2) * sizeof(std::string_view));
  return static_cast<size_t>(
      std::clamp<uint64_t>(memory_budget_bytes_ / 2 / batch_bytes, kMergeFanInMin, kMergeFanInMax));
}

Status ExternalAggregator::merge_runs(const std::vector<Run>& runs, const ChunkSink& sink) {
  Aggregator chunk(plan_);
  // Read windows (two chunks each): the budget shared by the runs, within
  // [4 KiB, one chunk], and no larger than a run. A record may be as long
  // as the longest written.
  const uint64_t chunk_share = memory_budget_bytes_ / (2 * std::max<size_t>(runs.size(), 1));
  const uint64_t max_record_bytes =
      std::max<uint64_t>(limits::kRecordBytesDefault, record_bytes_max_ + 16);
  std::vector<RunCursor> cursors(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    RunCursor& cursor = cursors[i];
    cursor.path = runs[i].path;
    SLUICE_ASSIGN_OR_RETURN(cursor.source, FileSource::open(runs[i].path));
    CsvRangeOptions options;
    options.dialect.header = false;
    options.begin_offset = 0;
    options.end_offset = cursor.source->size_bytes();
    options.max_record_bytes = max_record_bytes;
    options.expected_columns = plan_.partial_columns.size();
    options.read_chunk_bytes = static_cast<size_t>(std::clamp<uint64_t>(
        std::min(chunk_share, cursor.source->size_bytes()), 4 << 10, limits::kReadChunkBytes));
    cursor.reader = std::make_unique<CsvRangeReader>(*cursor.source, options);
    SLUICE_RETURN_IF_ERROR(cursor.refill(chunk));
  }

  // The cursors by their next row's key, smallest on top.
  auto greater = [&](size_t a, size_t b) { return cursors[a].key() > cursors[b].key(); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t i = 0; i < cursors.size(); ++i) {
    if (!cursors[i].done()) heap.push(i);
  }
  // One key at a time: every row of it, from every run, is merged before
  // the chunk may be handed on, so no group is split between chunks.
  std::string key;
  while (!heap.empty()) {
    if (chunk.group_count() >= limits::kBatchRowsMax ||
        chunk.memory_bytes() >= memory_budget_bytes_) {
      SLUICE_RETURN_IF_ERROR(sink(chunk));
      chunk.clear();
    }
    key.assign(cursors[heap.top()].key());
    while (!heap.empty() && cursors[heap.top()].key() == key) {
      const size_t i = heap.top();
      heap.pop();
      RunCursor& cursor = cursors[i];
      while (!cursor.done() && cursor.key() == key) {
        size_t end = cursor.row + 1;
        while (end < cursor.batch.row_count && cursor.key(end) == key) ++end;
        Status merged = chunk.merge_partial_rows(cursor.batch, cursor.row, end);
        if (!merged.is_ok())
          return data_error(fmt::format("{}: {}", cursor.path, merged.message()));
        cursor.row = end;
        SLUICE_RETURN_IF_ERROR(cursor.refill(chunk));
      }
      if (!cursor.done()) heap.push(i);
    }
  }
  if (chunk.group_count() > 0) SLUICE_RETURN_IF_ERROR(sink(chunk));
  return Status::ok();
}

Status ExternalAggregator::finish(
    const std::function<Status(std::vector<expr::Vector>& columns, size_t rows)>& emit) {
  SLUICE_ASSERT(!finished_, "finish twice");
  finished_ = true;
  std::vector<expr::Vector> columns;
  uint64_t groups_emitted = 0;
  // Finalizes and emits the groups of `table`, kBatchRowsMax at a time.
  auto emit_table = [&](const Aggregator& table) -> Status {
    const std::vector<size_t> order = table.sorted_groups();
    for (size_t begin = 0; begin < order.size(); begin += limits::kBatchRowsMax) {
      const size_t end = std::min(order.size(), begin + limits::kBatchRowsMax);
      table.finalize(order, begin, end, columns);
      SLUICE_RETURN_IF_ERROR(emit(columns, end - begin));
      groups_emitted += end - begin;
    }
    return Status::ok();
  };

  if (runs_.empty()) {
    table_.add_global_group_if_empty();  // SQL: SELECT count(*) over no rows is one row, 0
    SLUICE_RETURN_IF_ERROR(emit_table(table_));
    table_.clear();
    return Status::ok();
  }

  SLUICE_RETURN_IF_ERROR(spill_table());
  // More runs than readers at once: merge the oldest into one longer run, a
  // pass at a time, until few enough are left.
  const size_t fan_in = merge_fan_in();
  while (runs_.size() > fan_in) {
    const std::vector<Run> merging(runs_.begin(), runs_.begin() + fan_in);
    runs_.erase(runs_.begin(), runs_.begin() + fan_in);
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RunWriter> writer, open_run());
    SLUICE_RETURN_IF_ERROR(merge_runs(merging, [&](Aggregator& chunk) {
      return write_groups(chunk, *writer, kSpillSliceGroups);
    }));
    SLUICE_RETURN_IF_ERROR(close_run(*writer, runs_));
    for (const Run& run : merging) remove_run(run);
  }
  SLUICE_RETURN_IF_ERROR(merge_runs(runs_, [&](Aggregator& chunk) { return emit_table(chunk); }));
  for (const Run& run : runs_) remove_run(run);
  runs_.clear();
  if (plan_.key_names.empty() && groups_emitted == 0) {
    Aggregator global(plan_);
    global.add_global_group_if_empty();
    SLUICE_RETURN_IF_ERROR(emit_table(global));
  }
  return Status::ok();
}

}  // namespace sluice
