#include "common/job/sniff_dialect.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/job/infer_types.h"

namespace sluice {
namespace {

using Record = std::vector<std::string>;

// The sample's records under one dialect (RFC 4180, lenient as the reader
// is: a quote inside an unquoted field is text, text after a closing quote
// is kept; empty lines are skipped). Stops at kSniffSampleRecords, at an
// unclosed quote, and — unless `whole` — before the last record, which the
// sample may have cut.
std::vector<Record> split_records(std::string_view sample, bool whole, char delimiter, char quote) {
  std::vector<Record> records;
  Record record;
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool field_start = true;   // no byte of this field read yet
  bool record_empty = true;  // no byte of this record read yet
  const auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_start = true;
  };
  for (size_t i = 0; i < sample.size() && records.size() < kSniffSampleRecords; ++i) {
    const char c = sample[i];
    if (quoted) {
      if (c != quote) {
        field += c;
      } else if (i + 1 < sample.size() && sample[i + 1] == quote) {
        field += quote;
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < sample.size() && sample[i + 1] == '\n') ++i;
      if (!record_empty) {
        end_field();
        records.push_back(std::move(record));
        record.clear();
      }
      record_empty = true;
      continue;
    }
    record_empty = false;
    if (c == delimiter) {
      end_field();
    } else if (c == quote && field_start) {
      quoted = true;
      field_start = false;
    } else {
      field += c;
      field_start = false;
    }
  }
  if (whole && !quoted && !record_empty && records.size() < kSniffSampleRecords) {
    end_field();
    records.push_back(std::move(record));
  }
  return records;
}

struct Score {
  size_t consistent = 0;  // records with the most common field count
  size_t fields = 0;      // that count
  bool better_than(const Score& other) const {
    if (consistent != other.consistent) return consistent > other.consistent;
    return fields > other.fields;
  }
};

Score score(const std::vector<Record>& records) {
  std::map<size_t, size_t> counts;  // fields → records
  for (const Record& record : records) counts[record.size()]++;
  Score best;
  for (const auto& [fields, records_with] : counts) {
    if (fields < 2) continue;
    if (records_with > best.consistent || (records_with == best.consistent && fields > best.fields))
      best = {records_with, fields};
  }
  return best;
}

// Does `value` fit `type` (a TypeVote's)? int64 fits float64; a date
// fits timestamp.
bool fits(std::string_view value, const std::string& type) {
  TypeVote vote;
  vote.add(value);
  const std::string own = vote.type();
  return own == type || (type == "float64" && own == "int64") ||
         (type == "timestamp" && own == "date") || type == "string";
}

bool first_record_is_header(const std::vector<Record>& records) {
  if (records.size() < 2) return true;
  const Record& first = records[0];
  bool every_column_text = true;
  for (size_t column = 0; column < first.size(); ++column) {
    TypeVote vote;
    for (size_t row = 1; row < records.size(); ++row) {
      if (column < records[row].size() && !records[row][column].empty())
        vote.add(records[row][column]);
    }
    const std::string type = vote.type();
    if (vote.values() == 0 || type == "string") continue;
    every_column_text = false;
    if (!first[column].empty() && !fits(first[column], type)) return true;
  }
  return every_column_text;
}

}  // namespace

CsvDialect sniff_csv_dialect(std::string_view sample, bool whole, const CsvDialect& given,
                             const DialectToSniff& what) {
  if (sample.starts_with("\xEF\xBB\xBF")) sample.remove_prefix(3);
  CsvDialect out = given;
  if (what.delimiter || what.quote) {
    const std::vector<char> delimiters = what.delimiter ? std::vector<char>{',', ';', '\t', '|'}
                                                        : std::vector<char>{given.delimiter};
    const std::vector<char> quotes =
        what.quote ? std::vector<char>{'"', '\''} : std::vector<char>{given.quote};
    Score best;
    for (const char delimiter : delimiters) {
      for (const char quote : quotes) {
        if (quote == delimiter) continue;
        const Score candidate = score(split_records(sample, whole, delimiter, quote));
        if (candidate.better_than(best)) {
          best = candidate;
          out.delimiter = delimiter;
          out.quote = quote;
        }
      }
    }
  }
  if (what.header) {
    out.header = first_record_is_header(split_records(sample, whole, out.delimiter, out.quote));
  }
  return out;
}

}  // namespace sluice
