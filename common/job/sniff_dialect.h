#pragma once
// The CSV dialect — delimiter, quote, header — guessed from the first bytes
// of a file, as DuckDB's sniffer guesses it (docs/REFERENCE.md, "Inferred
// types"), for `input.infer_types: true` and `sluice sql`.
//
// Delimiter and quote: each candidate pair (delimiters , ; TAB |, quotes
// " ') splits the sample's records; the pair under which the most records
// have the same number of fields, at least two, wins (more fields break a
// tie, then the order above). A sample where no candidate gives two fields
// is one column: the given dialect stays.
//
// Header: the first record is a header when one of its fields does not fit
// the type the other records' values in that column have (a "Fine" over
// integers), or when every column of the other records is text (DuckDB's
// rule: nothing says it is data). A first record whose every field fits
// its column's type is data (`header: false`, columns column0 …).

#include <cstddef>
#include <string_view>

#include "common/csv/dialect.h"

namespace sluice {

// What to guess; the rest is taken from `given`.
struct DialectToSniff {
  bool delimiter = false;
  bool quote = false;
  bool header = false;
};

// `sample`: the first bytes of the file; `whole`: the sample is the whole
// file (else its last, possibly cut, record is not used).
CsvDialect sniff_csv_dialect(std::string_view sample, bool whole, const CsvDialect& given,
                             const DialectToSniff& what);

inline constexpr size_t kSniffSampleBytes = 256 * 1024;
inline constexpr size_t kSniffSampleRecords = 1000;

}  // namespace sluice
