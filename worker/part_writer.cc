#include "worker/part_writer.h"

#include "common/formats/row_writers.h"

namespace sluice {

Result<std::unique_ptr<PartWriter>> PartWriter::open(const std::string& temp_path,
                                                     const JobSpec& spec,
                                                     const std::vector<std::string>& columns,
                                                     const std::vector<expr::Type>& types,
                                                     uint64_t memory_budget_bytes) {
  auto writer = std::make_unique<PartWriter>();
  if (spec.output.partition_by.empty()) {
    SLUICE_ASSIGN_OR_RETURN(
        writer->single_,
        open_row_writer(temp_path, spec.output.format, spec.output.compression, columns, types));
    return writer;
  }
  PartitionedWriterOptions options;
  options.temp_dir = partition_files_dir(temp_path);
  options.format = spec.output.format;
  options.compression = spec.output.compression;
  options.columns = columns;
  options.types = types;
  options.partition_by = spec.output.partition_by;
  options.memory_budget_bytes = memory_budget_bytes;
  SLUICE_ASSIGN_OR_RETURN(writer->partitioned_, PartitionedWriter::open(std::move(options)));
  return writer;
}

Status PartWriter::write(const OutputBatch& batch) {
  return single_ ? single_->write(batch) : partitioned_->write(batch);
}

Result<uint64_t> PartWriter::finish(TaskOutcome& outcome) {
  if (single_) {
    SLUICE_ASSIGN_OR_RETURN(WriteStats stats, single_->finish());
    outcome.stats.bytes_written = stats.bytes;
    outcome.stats.checksum = stats.checksum;
    return stats.rows;
  }
  SLUICE_ASSIGN_OR_RETURN(outcome.stats.files, partitioned_->finish());
  uint64_t rows = 0;
  outcome.stats.bytes_written = 0;
  outcome.stats.checksum = 0;
  for (const PartitionFile& file : outcome.stats.files) {
    rows += file.rows;
    outcome.stats.bytes_written += file.bytes;
  }
  return rows;
}

}  // namespace sluice
