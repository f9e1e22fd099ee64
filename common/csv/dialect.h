#pragma once
// How a CSV file is spelled: from the job file's input section.

namespace sluice {

struct CsvDialect {
  char delimiter = ',';
  char quote = '"';
  bool header = true;
};

}  // namespace sluice
