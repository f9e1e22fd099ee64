#pragma once
// Sort keys: a row's ORDER BY values as one byte string whose memcmp order is
// the SQL order, so the external sort (external_sort.h) compares rows with
// memcmp and never looks at types.
//
// Each value appends a marker byte, then its value part:
//   0x01 value      int64: the parsed value, 8 bytes big-endian, sign bit flipped
//                   float64: the parsed value's IEEE bits, 8 bytes big-endian,
//                     all bits inverted when negative, else the sign bit flipped;
//                     -0.0 is written as 0.0, every NaN as one NaN, greatest
//                   every other type: the text, 0x00 escaped as 0x00 0xFF,
//                     ended by 0x00 0x00 (so no encoding is a prefix of another)
//   0x02 unparsed   an int64 or float64 column's text that does not parse as
//                   its type: the text as a string (after every number)
//   0x03 NULL       nothing: NULLs sort last in both directions (DuckDB's default)
// Descending inverts every byte of the value part, not the marker: the order
// of values is reversed, NULLs (and unparsed texts) stay last.
//
// Strings, dates, timestamps and booleans are encoded as their text: sluice
// renders dates "YYYY-MM-DD", timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]" and
// booleans "false"/"true", which sort as bytes in their order. Limitation:
// years before 0000 or after 9999 (rendered "-1-01-01", "10000-01-01") do
// not sort chronologically among the others.

#include <string>
#include <string_view>

#include "common/expr/types.h"
#include "common/expr/vector.h"

namespace sluice {

// Appends the encoding of one value to `key`: `text` is the value as sluice
// renders it in output (an OutputBatch field), read as `type`; `null` true
// for NULL (`text` is then ignored). Never fails: any text has an encoding.
void append_sort_key(std::string& key, expr::Type type, std::string_view text, bool null,
                     bool descending);

// The same for row `row` of a typed vector (a global sort's keys, computed
// in the pipeline before the values are rendered): int64 and float64 as
// above; bool, date and timestamp by their stored integer (false < true,
// days or microseconds since the epoch, so every year sorts chronologically);
// strings as text.
void append_sort_key(std::string& key, const expr::Vector& vector, size_t row, bool descending);

// Appends a row's input position (map task, then its ordinal in the task's
// output), big-endian, so that keys are unique and equal sort values keep
// input order whatever the split size.
void append_input_position(std::string& key, uint32_t map_task, uint64_t ordinal);

}  // namespace sluice
