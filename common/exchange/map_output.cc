#include "common/exchange/map_output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/exchange.h"
#include "common/exchange/little_endian.h"
#include "common/io/output_sink.h"
#include "common/io/publish.h"
#include "common/io/text_format.h"

namespace sluice {
namespace {

constexpr uint32_t kVersion = 1;
constexpr char kMagic[8] = {'S', 'L', 'X', 'M', 'A', 'P', '0', '1'};
constexpr size_t kEntryBytes = 32;
constexpr size_t kTrailerBytes = 24;

Status write_fd(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t count = ::write(fd, bytes.data(), bytes.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return io_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(count));
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<MapOutputWriter>> MapOutputWriter::open(std::string path, uint32_t buckets,
                                                               size_t key_count,
                                                               uint64_t buffer_bytes_max) {
  if (buckets == 0) return invalid_argument("map output: no buckets");
  // Run files go beside `path` before it exists: its directory must.
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (!parent.empty()) SLUICE_RETURN_IF_ERROR(make_directories(parent));
  return std::unique_ptr<MapOutputWriter>(
      new MapOutputWriter(std::move(path), buckets, key_count, buffer_bytes_max));
}

MapOutputWriter::MapOutputWriter(std::string path, uint32_t buckets, size_t key_count,
                                 uint64_t buffer_bytes_max)
    : path_(std::move(path)),
      buckets_(buckets),
      key_count_(key_count),
      buffer_bytes_max_(buffer_bytes_max),
      buffers_(buckets),
      buffer_rows_(buckets, 0) {}

MapOutputWriter::~MapOutputWriter() {
  std::error_code ignored;
  for (const Run& run : runs_) std::filesystem::remove(run.path, ignored);
  if (!finished_) std::filesystem::remove(path_, ignored);
}

Status MapOutputWriter::write(const OutputBatch& rows) {
  const size_t columns = rows.column_count;
  for (size_t row = 0; row < rows.row_count; ++row) {
    const uint32_t bucket = bucket_of_row(rows, row, key_count_, buckets_);
    std::string& out = buffers_[bucket];
    const size_t before = out.size();
    for (size_t column = 0; column < columns; ++column) {
      if (column > 0) out.push_back(',');
      const bool null = rows.is_null(row, column);
      const std::string_view value = rows.field(row, column);
      if (columns == 1 && (null || value.empty())) {
        out.append("\"\"");  // not an empty line, which readers skip
      } else if (!null) {
        append_csv_field(out, value);
      }
    }
    out.push_back('\n');
    buffer_rows_[bucket]++;
    buffered_bytes_ += out.size() - before;
  }
  if (buffered_bytes_ > buffer_bytes_max_) return spill();
  return Status::ok();
}

Status MapOutputWriter::spill() {
  Run run;
  run.path = fmt::format("{}.run-{}", path_, runs_.size());
  const int fd = ::open(run.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(fmt::format("cannot create {}: {}", run.path, std::strerror(errno)));
  runs_.push_back(run);  // removed by the destructor whatever happens next
  uint64_t offset = 0;
  Status status = Status::ok();
  for (uint32_t bucket = 0; bucket < buckets_ && status.is_ok(); ++bucket) {
    std::string& buffer = buffers_[bucket];
    runs_.back().segments.push_back(BucketSegment{offset, buffer.size(), buffer_rows_[bucket], 0});
    status = write_fd(fd, buffer, run.path);
    offset += buffer.size();
    std::string().swap(buffer);  // give the memory back
    buffer_rows_[bucket] = 0;
  }
  ::close(fd);
  buffered_bytes_ = 0;
  return status;
}

Result<WriteStats> MapOutputWriter::finish() {
  if (finished_) return internal_error("map output: finish() called twice");
  if (!runs_.empty() && buffered_bytes_ > 0) SLUICE_RETURN_IF_ERROR(spill());
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<OutputSink> sink,
                          OutputSink::open(path_, Compression::kNone));
  std::vector<BucketSegment> index(buckets_);
  uint64_t offset = 0, rows = 0;
  std::vector<char> chunk;
  std::vector<std::unique_ptr<FileSource>> run_sources;
  for (const Run& run : runs_) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> source, FileSource::open(run.path));
    run_sources.push_back(std::move(source));
  }
  for (uint32_t bucket = 0; bucket < buckets_; ++bucket) {
    Hasher hasher;
    BucketSegment& segment = index[bucket];
    segment.offset = offset;
    auto append = [&](std::string_view bytes) -> Status {
      hasher.update(bytes);
      sink->pending().append(bytes);
      segment.length += bytes.size();
      return sink->flush_if_full();
    };
    if (runs_.empty()) {
      SLUICE_RETURN_IF_ERROR(append(buffers_[bucket]));
      segment.rows = buffer_rows_[bucket];
      std::string().swap(buffers_[bucket]);
    }
    for (size_t r = 0; r < runs_.size(); ++r) {
      const BucketSegment& piece = runs_[r].segments[bucket];
      segment.rows += piece.rows;
      for (uint64_t done = 0; done < piece.length;) {
        const size_t want =
            static_cast<size_t>(std::min<uint64_t>(piece.length - done, limits::kReadChunkBytes));
        chunk.resize(want);
        SLUICE_RETURN_IF_ERROR(read_exactly(*run_sources[r], piece.offset + done, chunk.data(),
                                            want, runs_[r].path + ": map output run"));
        SLUICE_RETURN_IF_ERROR(append(std::string_view(chunk.data(), want)));
        done += want;
      }
    }
    segment.checksum = hasher.digest();
    offset += segment.length;
    rows += segment.rows;
  }
  std::string footer;
  for (const BucketSegment& segment : index) {
    put_u64(footer, segment.offset);
    put_u64(footer, segment.length);
    put_u64(footer, segment.rows);
    put_u64(footer, segment.checksum);
  }
  const uint64_t entries_checksum = hash64(footer);
  put_u32(footer, buckets_);
  put_u32(footer, kVersion);
  put_u64(footer, entries_checksum);
  footer.append(kMagic, sizeof kMagic);
  sink->pending().append(footer);
  SLUICE_ASSIGN_OR_RETURN(FileTotals totals, sink->finish());
  finished_ = true;
  std::error_code ignored;
  for (const Run& run : runs_) std::filesystem::remove(run.path, ignored);
  runs_.clear();
  return WriteStats{rows, totals.bytes, totals.checksum};
}

Result<std::vector<BucketSegment>> read_map_output_index(ByteSource& source,
                                                         const std::string& name) {
  const uint64_t size = source.size_bytes();
  if (size < kTrailerBytes) {
    return data_error(fmt::format("{}: not a map output ({} bytes)", name, size));
  }
  char trailer[kTrailerBytes];
  SLUICE_RETURN_IF_ERROR(
      read_exactly(source, size - kTrailerBytes, trailer, kTrailerBytes, name + ": map output"));
  if (std::memcmp(trailer + 16, kMagic, sizeof kMagic) != 0) {
    return data_error(fmt::format("{}: not a map output (no index at its end)", name));
  }
  const uint32_t buckets = get_u32(trailer);
  const uint32_t version = get_u32(trailer + 4);
  if (version != kVersion) {
    return data_error(
        fmt::format("{}: map output version {}, expected {}", name, version, kVersion));
  }
  const uint64_t index_bytes = static_cast<uint64_t>(buckets) * kEntryBytes;
  if (buckets == 0 || buckets > limits::kBucketsMax || index_bytes + kTrailerBytes > size) {
    return data_error(
        fmt::format("{}: map output index of {} buckets does not fit", name, buckets));
  }
  std::string entries(static_cast<size_t>(index_bytes), '\0');
  SLUICE_RETURN_IF_ERROR(read_exactly(source, size - kTrailerBytes - index_bytes, entries.data(),
                                      entries.size(), name + ": map output"));
  if (hash64(entries) != get_u64(trailer + 8)) {
    return data_error(fmt::format("{}: map output index fails its checksum", name));
  }
  std::vector<BucketSegment> index(buckets);
  uint64_t expected_offset = 0;
  for (uint32_t bucket = 0; bucket < buckets; ++bucket) {
    const char* entry = entries.data() + bucket * kEntryBytes;
    BucketSegment& segment = index[bucket];
    segment.offset = get_u64(entry);
    segment.length = get_u64(entry + 8);
    segment.rows = get_u64(entry + 16);
    segment.checksum = get_u64(entry + 24);
    if (segment.offset != expected_offset ||
        segment.length > size - kTrailerBytes - index_bytes - segment.offset) {
      return data_error(fmt::format("{}: map output index: bucket {} at {} (+{}) is out of place",
                                    name, bucket, segment.offset, segment.length));
    }
    expected_offset += segment.length;
  }
  if (expected_offset != size - kTrailerBytes - index_bytes) {
    return data_error(fmt::format("{}: map output holds bytes its index does not cover", name));
  }
  return index;
}

Status verify_buckets(ByteSource& source, const std::vector<BucketSegment>& index, uint32_t begin,
                      uint32_t end, const std::string& name) {
  std::vector<char> chunk;
  for (uint32_t bucket = begin; bucket < end && bucket < index.size(); ++bucket) {
    const BucketSegment& segment = index[bucket];
    Hasher hasher;
    for (uint64_t done = 0; done < segment.length;) {
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(segment.length - done, limits::kReadChunkBytes));
      chunk.resize(want);
      SLUICE_RETURN_IF_ERROR(
          read_exactly(source, segment.offset + done, chunk.data(), want, name + ": map output"));
      hasher.update(std::string_view(chunk.data(), want));
      done += want;
    }
    if (hasher.digest() != segment.checksum) {
      return data_error(fmt::format("{}: bucket {} fails its checksum", name, bucket));
    }
  }
  return Status::ok();
}

}  // namespace sluice
