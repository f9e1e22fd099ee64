#include "common/exchange/join_rows.h"

#include <fmt/format.h>

namespace sluice {

void append_join_exchange_rows(const OutputBatch& rows, const std::vector<size_t>& key_columns,
                               bool keep_null_keys, OutputBatch& out) {
  out.column_count = key_columns.size() + rows.column_count;
  const auto null_key = [&](size_t row) {
    for (size_t column : key_columns) {
      if (rows.is_null(row, column)) return true;
    }
    return false;
  };
  // One string for the batch's rows, sized first: its views stay valid.
  size_t bytes = 0;
  for (size_t row = 0; row < rows.row_count; ++row) {
    if (!keep_null_keys && null_key(row)) continue;
    for (size_t column : key_columns) bytes += 1 + rows.field(row, column).size();
    for (size_t column = 0; column < rows.column_count; ++column) {
      bytes += 1 + rows.field(row, column).size();
    }
  }
  std::string& text = out.owned.emplace_back();
  text.reserve(bytes);
  const auto spell = [&](size_t row, size_t column) {
    if (rows.is_null(row, column)) {
      out.fields.emplace_back();
      out.nulls.push_back(1);
      return;
    }
    const size_t begin = text.size();
    text.push_back('=');
    text.append(rows.field(row, column));
    out.fields.emplace_back(text.data() + begin, text.size() - begin);
    out.nulls.push_back(0);
  };
  for (size_t row = 0; row < rows.row_count; ++row) {
    if (!keep_null_keys && null_key(row)) continue;
    for (size_t column : key_columns) spell(row, column);
    for (size_t column = 0; column < rows.column_count; ++column) spell(row, column);
    out.row_count++;
  }
}

Status decode_join_exchange_row(const RecordBatch& batch, size_t row, size_t key_count,
                                OutputBatch& out) {
  for (size_t column = key_count; column < batch.column_count; ++column) {
    const std::string_view value = batch.field(row, column);
    if (value.empty()) {
      out.fields.emplace_back();
      out.nulls.push_back(1);
      continue;
    }
    if (value[0] != '=') {
      return data_error(
          fmt::format("column {} of an exchange row is not spelled '=value'", column));
    }
    out.fields.push_back(value.substr(1));
    out.nulls.push_back(0);
  }
  out.row_count++;
  return Status::ok();
}

}  // namespace sluice
