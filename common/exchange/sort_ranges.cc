#include "common/exchange/sort_ranges.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/base/limits.h"
#include "common/io/byte_source.h"

namespace sluice {

KeyRange key_range_of_task(std::vector<SortSample> samples, uint32_t tasks, uint32_t task) {
  std::sort(samples.begin(), samples.end(),
            [](const SortSample& a, const SortSample& b) { return a.key < b.key; });
  unsigned __int128 total = 0;
  for (const SortSample& sample : samples) total += sample.weight_bytes;
  // Boundary i (1 <= i < tasks): the first sampled key with at least
  // i/tasks of the weight before it.
  const auto boundary = [&](uint32_t i) -> std::optional<std::string> {
    unsigned __int128 before = 0;
    for (const SortSample& sample : samples) {
      if (before * tasks >= total * i) return sample.key;
      before += sample.weight_bytes;
    }
    return std::nullopt;  // past every sampled key: the range is empty
  };
  KeyRange range;
  if (task > 0) {
    std::optional<std::string> lo = boundary(task);
    if (!lo) {
      range.hi = "";  // past every sampled key: empty, ["", "") holds nothing
      return range;
    }
    range.lo = std::move(*lo);
  }
  if (task + 1 < tasks) range.hi = boundary(task + 1);
  return range;
}

namespace {

// Merges `cursors` into `take` by a heap; `stop` ends it early.
Status heap_merge(std::vector<std::unique_ptr<SortedRangeCursor>>& cursors,
                  const std::function<Status(const SortedRangeCursor&, bool& stop)>& take,
                  uint32_t& failed_origin) {
  const auto after = [&](size_t a, size_t b) {
    const int order = cursors[a]->key().compare(cursors[b]->key());
    return order != 0 ? order > 0 : a > b;
  };
  const auto advance = [&](SortedRangeCursor& cursor) {
    Status status = cursor.advance();
    if (!status.is_ok()) failed_origin = cursor.origin();
    return status;
  };
  std::vector<size_t> heap;
  for (size_t i = 0; i < cursors.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(advance(*cursors[i]));
    if (!cursors[i]->done()) heap.push_back(i);
  }
  std::make_heap(heap.begin(), heap.end(), after);
  bool stop = false;
  while (!heap.empty() && !stop) {
    std::pop_heap(heap.begin(), heap.end(), after);
    SortedRangeCursor& cursor = *cursors[heap.back()];
    SLUICE_RETURN_IF_ERROR(take(cursor, stop));
    SLUICE_RETURN_IF_ERROR(advance(cursor));
    if (cursor.done()) {
      heap.pop_back();
    } else {
      std::push_heap(heap.begin(), heap.end(), after);
    }
  }
  return Status::ok();
}

}  // namespace

Status merge_sorted_ranges(std::vector<std::unique_ptr<SortedRangeCursor>> cursors, size_t columns,
                           size_t fan_in, const std::string& spill_dir,
                           const std::function<Status(const SortedRangeCursor&, bool& stop)>& take,
                           uint32_t& failed_origin) {
  failed_origin = UINT32_MAX;
  fan_in = std::max<size_t>(fan_in, 2);
  std::vector<std::string> spilled;
  const auto remove_spilled = [&] {
    std::error_code ignored;
    for (const std::string& path : spilled) std::filesystem::remove(path, ignored);
  };
  Status status = Status::ok();
  // Passes: each group of fan_in neighbouring cursors becomes one sorted
  // output read whole by a new cursor; neighbours keep the tie order.
  while (cursors.size() > fan_in && status.is_ok()) {
    std::vector<std::unique_ptr<SortedRangeCursor>> merged;
    for (size_t begin = 0; begin < cursors.size() && status.is_ok(); begin += fan_in) {
      const size_t end = std::min(cursors.size(), begin + fan_in);
      std::vector<std::unique_ptr<SortedRangeCursor>> group;
      for (size_t i = begin; i < end; ++i) group.push_back(std::move(cursors[i]));
      if (group.size() == 1) {
        merged.push_back(std::move(group[0]));
        continue;
      }
      const std::string path = fmt::format("{}/pass-{}.bin", spill_dir, spilled.size());
      spilled.push_back(path);
      auto writer = SortedOutputWriter::open(path, limits::kSortBlockBytes);
      if (!writer.is_ok()) {
        status = writer.status();
        break;
      }
      status = heap_merge(
          group,
          [&](const SortedRangeCursor& cursor, bool&) {
            return writer.value()->append(
                std::string_view(cursor.record(), cursor.record_length()));
          },
          failed_origin);
      if (!status.is_ok()) break;
      group.clear();  // closes the inputs before the next group opens its own
      auto written = writer.value()->finish();
      if (!written.is_ok()) {
        status = written.status();
        break;
      }
      auto source = FileSource::open(path);
      if (!source.is_ok()) {
        status = source.status();
        break;
      }
      auto footer = read_sorted_output_footer(*source.value(), path, /*with_index=*/true);
      if (!footer.is_ok()) {
        status = footer.status();
        break;
      }
      merged.push_back(std::make_unique<SortedRangeCursor>(std::move(source).value(), path,
                                                           std::move(footer.value().blocks),
                                                           columns, "", std::nullopt, UINT32_MAX));
    }
    cursors = std::move(merged);
  }
  if (status.is_ok()) status = heap_merge(cursors, take, failed_origin);
  cursors.clear();
  remove_spilled();
  return status;
}

}  // namespace sluice
