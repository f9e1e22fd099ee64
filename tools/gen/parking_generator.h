#pragma once
// A deterministic generator of a synthetic copy of the NYC "Parking
// Violations Issued - Fiscal Year 2018" CSV export: the real 43 columns in
// their real order, realistic value distributions (mostly NY plates, ~9% NJ,
// FORD the most common make, agency T dominant, FY2018 issue dates with
// outliers, expiration-date sentinels 0 and 88888888 and impossible dates),
// about 200 bytes per row, RFC 4180 quoting, '\n' line ends.
//
// The same options always give byte-identical output, on every platform: the
// PRNG is xoshiro256** seeded by splitmix64 and all sampling is integer math.
// Thread safety: free functions, no shared mutable state.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "tools/gen/rng.h"

namespace sluice::gen {

struct ParkingOptions {
  uint64_t rows = 1000;  // data records, not counting the header
  uint64_t seed = 1;
  // Fraction of records (in [0, 1]) whose Street Name is a quoted field
  // holding a '\n', doubled quotes and a comma. Independent of it, about 1%
  // of Street Names hold a comma and a few hold a doubled quote.
  double multiline_rate = 0.0;
};

// The real 43 column names in their real order. Note "Days Parking In Effect    "
// keeps the 4 trailing spaces of the real file.
const std::vector<std::string>& parking_columns();

// Writes header + `options.rows` records to `path` (truncating it).
// InvalidArgument when multiline_rate is outside [0, 1]; IoError on I/O failure.
Status write_parking_csv(const std::string& path, const ParkingOptions& options);

// The same bytes as write_parking_csv, in memory. For tests and small fixtures.
Result<std::string> parking_csv(const ParkingOptions& options);

// The data records of write_parking_csv({rows, seed, multiline_rate 0}), one
// at a time, for generators of related tables (registrations_generator.h).
class ParkingRecords {
 public:
  explicit ParkingRecords(uint64_t seed);
  ~ParkingRecords();
  ParkingRecords(const ParkingRecords&) = delete;
  ParkingRecords& operator=(const ParkingRecords&) = delete;
  // The next record, with its '\n'; valid until the next call.
  std::string_view next();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A plate as the parking records draw it (NY passenger, commercial, NJ-like,
// taxi, or BLANKPLATE), appended to `out`.
void append_plate(std::string& out, Rng& rng);

}  // namespace sluice::gen
