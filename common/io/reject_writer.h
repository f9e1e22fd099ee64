#pragma once
// The rejects file of a partition: CSV with the header
// `source_file,offset,reason,record`, one line per rejected record, written
// with the same quoting as CSV output. Thread safety: one thread.

#include <memory>
#include <string>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"
#include "common/io/row_writer.h"

namespace sluice {

class OutputSink;

class RejectWriter {
 public:
  ~RejectWriter();
  RejectWriter(const RejectWriter&) = delete;
  RejectWriter& operator=(const RejectWriter&) = delete;

  Status write(const std::vector<RejectedRecord>& rejects);
  // Flushes, fsyncs and closes. Once. rows = rejects written.
  Result<WriteStats> finish();

 private:
  friend Result<std::unique_ptr<RejectWriter>> open_reject_writer(const std::string&,
                                                                  const std::string&);
  RejectWriter(std::unique_ptr<OutputSink> sink, std::string source_file);

  std::unique_ptr<OutputSink> sink_;
  std::string source_field_;  // source_file, already quoted as needed
  uint64_t rows_ = 0;
};

// Creates `path` (and its parent directories) and writes the header row.
Result<std::unique_ptr<RejectWriter>> open_reject_writer(const std::string& path,
                                                         const std::string& source_file);

}  // namespace sluice
