#pragma once
// The JSON lines output writer: one object a row, its values JSON strings
// and NULL null, optionally gzip or zstd compressed (common/io/output_sink.h).

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/io/row_writer.h"
#include "common/spec/output_spec.h"

namespace sluice {

// Creates `path` (and its parent directories).
Result<std::unique_ptr<RowWriter>> open_jsonl_row_writer(const std::string& path,
                                                         Compression compression,
                                                         const std::vector<std::string>& columns);

}  // namespace sluice
