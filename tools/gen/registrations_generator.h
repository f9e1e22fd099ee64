#pragma once
// A deterministic generator of vehicle registrations to join with the
// parking tickets (W6: tickets ⋈ registrations on Plate ID): one row per
// plate, about 100 bytes a row, columns
//   Plate ID, Registration State, Owner ZIP, Vehicle Year, Registration Date,
//   Registration Expires, Vehicle Make, Vehicle Body Type, Vehicle Color, VIN,
//   Owner City, Owner Type
//
// The plates are those of `sluice gen parking --seed S` (the same seed), in
// the order the tickets first name them: about 7 rows in 8 are a ticketed
// plate (with the ticket's state), the others a plate drawn from the same
// distribution that may never be ticketed. About 1 ticketed plate in 10 is
// never registered (chosen by a hash of the plate, so the same plates for
// any --rows), and BLANKPLATE is never registered. Hence: some registered
// plates are never ticketed, some ticketed plates are missing, and an inner
// join of the first N tickets with registrations of about N/2 rows keeps
// a large share of the tickets.
//
// Memory: 16 bytes per row (a set of the plates written, so that each plate
// is written once); the ticket stream itself is not kept.
// Thread safety: free functions, no shared mutable state.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace sluice::gen {

struct RegistrationsOptions {
  uint64_t rows = 1000;  // data records, not counting the header
  uint64_t seed = 1;     // the parking generator's seed whose plates it registers
};

const std::vector<std::string>& registrations_columns();

// Writes header + `options.rows` records to `path` (truncating it).
Status write_registrations_csv(const std::string& path, const RegistrationsOptions& options);

// The same bytes, in memory. For tests.
Result<std::string> registrations_csv(const RegistrationsOptions& options);

}  // namespace sluice::gen
