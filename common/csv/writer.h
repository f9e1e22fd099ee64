#pragma once
// The CSV output writer: RFC 4180, a header row, minimal quoting, '\n'
// line ends, optionally gzip or zstd compressed (common/io/output_sink.h).

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/row_writer.h"
#include "common/spec/output_spec.h"

namespace sluice {

// Creates `path` (and its parent directories) and writes its header row.
// NULL is an empty field (a lone column's empty value is written "" so the
// row is not an empty line).
Result<std::unique_ptr<RowWriter>> open_csv_row_writer(const std::string& path,
                                                       Compression compression,
                                                       const std::vector<std::string>& columns);

}  // namespace sluice
