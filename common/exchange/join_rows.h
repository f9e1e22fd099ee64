#pragma once
// The rows a join's map task writes to the exchange (map_output.h), and
// their reading back in the bucket task (docs/ARCHITECTURE.md, "Join").
//
// An exchange row is the side's key columns, then every column of the row;
// each value is spelled "=" + its text and a NULL is an empty field, because
// the map output's CSV cannot tell a NULL from an empty string. The bucket
// is bucket_of_row over the key columns, so equal keys of both sides (equal
// as text) meet in one bucket.

#include <cstddef>
#include <vector>

#include "common/base/batch.h"
#include "common/base/status.h"

namespace sluice {

// Appends `rows` as exchange rows to `out` (whose column_count becomes
// key_columns.size() + rows.column_count). A row whose key holds a NULL can
// match nothing: it is left out unless `keep_null_keys` (the join keeps
// this side's unmatched rows).
void append_join_exchange_rows(const OutputBatch& rows, const std::vector<size_t>& key_columns,
                               bool keep_null_keys, OutputBatch& out);

// Appends row `row` of `batch` (exchange rows read back) without its
// `key_count` key columns to `out` (column_count: batch.column_count -
// key_count), viewing `batch`'s memory. kDataError when a value is not
// spelled as append_join_exchange_rows spells it.
Status decode_join_exchange_row(const RecordBatch& batch, size_t row, size_t key_count,
                                OutputBatch& out);

}  // namespace sluice
