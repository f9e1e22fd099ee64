#include "common/exchange/join_rows.h"

#include <fmt/format.h>

namespace sluice {

void append_join_exchange_rows(const OutputBatch& rows, const std::vector<size_t>& key_columns,
                               bool keep_null_keys, OutputBatch& out) {
  out.column_count = key_columns.size() + rows.column_count;
  std::string text;
  std::vector<size_t> ends;
  for (size_t row = 0; row < rows.row_count; ++row) {
    bool null_key = false;
    for (size_t column : key_columns) null_key = null_key || rows.is_null(row, column);
    if (null_key && !keep_null_keys) continue;
    text.clear();
    ends.clear();
    auto spell = [&](size_t column) {
      if (!rows.is_null(row, column)) {
        text.push_back('=');
        text.append(rows.field(row, column));
      }
      ends.push_back(text.size());
    };
    for (size_t column : key_columns) spell(column);
    for (size_t column = 0; column < rows.column_count; ++column) spell(column);
    const std::string& owned = out.owned.emplace_back(std::move(text));
    size_t begin = 0;
    for (size_t end : ends) {
      out.fields.emplace_back(owned.data() + begin, end - begin);
      out.nulls.push_back(end == begin ? 1 : 0);
      begin = end;
    }
    out.row_count++;
    text = std::string();
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
