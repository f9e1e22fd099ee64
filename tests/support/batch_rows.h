#pragma once
// A RecordBatch over rows of text it owns, as a reader would hand it to the
// pipeline: each record's raw text is its fields joined with ',', and its
// offset is where it would start in a file beginning at `first_offset`.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/base/batch.h"

namespace sluice::testing {

struct BatchRows {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> raw;
  RecordBatch batch;

  BatchRows(size_t columns, std::vector<std::vector<std::string>> rows, uint64_t first_offset = 0)
      : cells(std::move(rows)) {
    batch.column_count = columns;
    for (const auto& row : cells) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + row[c];
      raw.push_back(std::move(line));
    }
    uint64_t offset = first_offset;
    for (size_t r = 0; r < cells.size(); ++r) {
      for (const std::string& cell : cells[r]) batch.fields.push_back(cell);
      batch.offsets.push_back(offset);
      batch.raw.push_back(raw[r]);
      offset += raw[r].size() + 1;
    }
    batch.row_count = cells.size();
  }
};

}  // namespace sluice::testing
