#include "common/exchange/sort_map_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/base/limits.h"
#include "common/exchange/sort_key.h"
#include "common/exchange/sort_record.h"
#include "common/exchange/sorted_output.h"

namespace sluice {
namespace {

bool key_less(const std::string& a, const std::string& b) {
  return record_key(a.data()) < record_key(b.data());
}

// Bytes counted for a held record: its bytes and the string's own.
uint64_t held_cost(const std::string& record) {
  return record.capacity() + sizeof(std::string) + ExternalSorter::kRowOverheadBytes;
}

}  // namespace

SortMapSink::SortMapSink(std::string path, size_t columns, uint32_t map_task,
                         uint64_t memory_budget_bytes, std::optional<uint64_t> limit)
    : path_(std::move(path)),
      columns_(columns),
      map_task_(map_task),
      memory_budget_bytes_(memory_budget_bytes),
      limit_(limit) {
  if (!limit_) {
    sorter_ = std::make_unique<ExternalSorter>(columns_, memory_budget_bytes_, path_ + ".sort");
  }
}

Status SortMapSink::add(std::string_view key, const OutputBatch& rows, size_t row) {
  key_.assign(key);
  append_input_position(key_, map_task_, ordinal_++);
  if (sorter_ != nullptr) return sorter_->add(key_, rows, row);
  if (*limit_ == 0) return Status::ok();
  if (held_.size() == *limit_ && !(std::string_view(key_) < record_key(held_.front().data()))) {
    return Status::ok();  // N lesser keys are held already
  }
  std::string record;
  append_record(record, key_, rows, row);
  held_bytes_ += held_cost(record);
  held_.push_back(std::move(record));
  std::push_heap(held_.begin(), held_.end(), key_less);
  if (held_.size() > *limit_) {
    std::pop_heap(held_.begin(), held_.end(), key_less);
    held_bytes_ -= held_cost(held_.back());
    held_.pop_back();
  }
  if (held_bytes_ > memory_budget_bytes_) return move_held_to_sorter();
  return Status::ok();
}

Status SortMapSink::move_held_to_sorter() {
  sorter_ = std::make_unique<ExternalSorter>(columns_, memory_budget_bytes_, path_ + ".sort");
  std::vector<FieldSpan> spans;
  OutputBatch row;
  row.column_count = columns_;
  for (const std::string& record : held_) {
    uint64_t needed = 0;
    parse_record(record.data(), record.size(), columns_, spans, needed);
    row.clear();
    row.column_count = columns_;
    for (const FieldSpan& span : spans) {
      row.fields.emplace_back(record.data() + span.offset, span.length);
      row.nulls.push_back(span.null ? 1 : 0);
    }
    row.row_count = 1;
    SLUICE_RETURN_IF_ERROR(sorter_->add(record_key(record.data()), row, 0));
  }
  std::vector<std::string>().swap(held_);
  held_bytes_ = 0;
  return Status::ok();
}

Result<WriteStats> SortMapSink::finish() {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<SortedOutputWriter> writer,
                          SortedOutputWriter::open(path_, limits::kSortBlockBytes));
  Status written = Status::ok();
  if (sorter_ != nullptr) {
    const uint64_t rows_max = limit_.value_or(UINT64_MAX);
    written = sorter_->finish_records([&](std::string_view record) {
      return writer->rows() < rows_max ? writer->append(record) : Status::ok();
    });
  } else {
    std::sort_heap(held_.begin(), held_.end(), key_less);  // ascending
    for (const std::string& record : held_) {
      written = writer->append(record);
      if (!written.is_ok()) break;
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_ + ".sort", ignored);
  if (!written.is_ok()) {
    std::filesystem::remove(path_, ignored);
    return written;
  }
  auto stats = writer->finish();
  if (!stats.is_ok()) std::filesystem::remove(path_, ignored);
  return stats;
}

}  // namespace sluice
