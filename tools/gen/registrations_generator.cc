#include "tools/gen/registrations_generator.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "common/base/hash.h"
#include "tools/gen/parking_generator.h"
#include "tools/gen/rng.h"
#include "tools/gen/value_tables.h"

namespace sluice::gen {
namespace {

// One row in kFreshPlateOneIn is a plate drawn afresh (perhaps never ticketed).
constexpr uint64_t kFreshPlateOneIn = 8;
// Ticketed plates never registered: this many in a hundred (by the plate's hash).
constexpr uint64_t kUnregisteredPercent = 10;
constexpr size_t kChunkBytes = 4 << 20;

// The plates written, as an open-addressing set of their hashes' exact
// stand-in: a plate is at most 10 characters of [A-Z0-9], encoded in base 37
// (1..36 per character), which is unique and fits 64 bits (37^10 < 2^53).
class PlateSet {
 public:
  static uint64_t code_of(std::string_view plate) {
    uint64_t code = 0;
    for (char c : plate) {
      const uint64_t digit = (c >= 'A' && c <= 'Z') ? static_cast<uint64_t>(c - 'A' + 1)
                                                    : static_cast<uint64_t>(c - '0' + 27);
      code = code * 37 + digit;
    }
    return code;
  }

  // Inserts; false when it was there.
  bool insert(uint64_t code) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    return insert_into(slots_, code);
  }

 private:
  bool insert_into(std::vector<uint64_t>& slots, uint64_t code) {
    const size_t mask = slots.size() - 1;
    for (size_t at = static_cast<size_t>(hash_mix(code)) & mask;; at = (at + 1) & mask) {
      if (slots[at] == code) return false;
      if (slots[at] == 0) {
        slots[at] = code;
        if (&slots == &slots_) ++size_;
        return true;
      }
    }
  }
  static uint64_t hash_mix(uint64_t code) {
    code ^= code >> 33;
    code *= 0xFF51AFD7ED558CCDULL;
    return code ^ (code >> 33);
  }
  void grow() {
    std::vector<uint64_t> bigger(slots_.empty() ? 1024 : slots_.size() * 2, 0);
    for (uint64_t code : slots_) {
      if (code != 0) insert_into(bigger, code);
    }
    slots_.swap(bigger);
  }

  std::vector<uint64_t> slots_;
  size_t size_ = 0;
};

// Field `index` (0-based) of an unquoted prefix of a parking record.
std::string_view field_of(std::string_view record, int index) {
  size_t begin = 0;
  for (int i = 0; i < index; ++i) begin = record.find(',', begin) + 1;
  return record.substr(begin, record.find(',', begin) - begin);
}

class RegistrationWriter {
 public:
  explicit RegistrationWriter(uint64_t seed)
      : tickets_(seed), rng_(seed ^ 0x5245474953545259ULL), t_(tables()) {}

  // Appends one record ending in '\n'.
  void write(std::string& out) {
    while (true) {
      plate_.clear();
      std::string_view state;
      if (rng_.below(kFreshPlateOneIn) == 0) {
        append_plate(plate_, rng_);
        state = t_.registration_state.pick(rng_);
      } else {
        const std::string_view record = tickets_.next();
        plate_.assign(field_of(record, 1));
        state_.assign(field_of(record, 2));
        state = state_;
        if (hash64(plate_) % 100 < kUnregisteredPercent) continue;
      }
      if (plate_ == "BLANKPLATE" || plate_.size() > 10) continue;
      if (!written_.insert(PlateSet::code_of(plate_))) continue;
      put_row(out, state);
      return;
    }
  }

 private:
  void put_row(std::string& out, std::string_view state) {
    out.append(plate_);
    out.push_back(',');
    out.append(state);
    out.push_back(',');
    // Owner ZIP: New York's for NY plates, New Jersey's for NJ, else any.
    uint64_t zip;
    if (state == "NY") {
      zip = rng_.below(10) < 7 ? 10001 + rng_.below(1700) : 11701 + rng_.below(3224);
    } else if (state == "NJ") {
      zip = 7001 + rng_.below(1988);
    } else {
      zip = 1001 + rng_.below(98000);
    }
    char digits[24];
    std::snprintf(digits, sizeof digits, "%05u", static_cast<unsigned>(zip));
    out.append(digits);
    out.push_back(',');
    // Vehicle Year: mostly recent.
    const uint64_t age = rng_.below(4) == 0 ? rng_.below(25) : rng_.below(8);
    out.append(std::to_string(2018 - age));
    out.push_back(',');
    // Registration Date: 2015-01-01 .. 2018-06-28, as YYYY-MM-DD.
    const unsigned day_of_span = static_cast<unsigned>(rng_.below(1276));
    static constexpr unsigned kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned year = 2015, month = 0, day = day_of_span;
    while (true) {
      const unsigned year_days = year == 2016 ? 366 : 365;
      if (day < year_days) break;
      day -= year_days;
      ++year;
    }
    while (true) {
      const unsigned length = kMonthDays[month] + (month == 1 && year == 2016 ? 1 : 0);
      if (day < length) break;
      day -= length;
      ++month;
    }
    char date[48];
    std::snprintf(date, sizeof date, "%04u-%02u-%02u", year, month + 1, day + 1);
    out.append(date);
    out.push_back(',');
    // Registration Expires: two years later (the 29th of February: the 28th).
    std::snprintf(date, sizeof date, "%04u-%02u-%02u", year + 2, month + 1,
                  month == 1 && day == 28 ? 28 : day + 1);
    out.append(date);
    out.push_back(',');
    out.append(t_.make.pick(rng_));
    out.push_back(',');
    out.append(t_.body_type.pick(rng_));
    out.push_back(',');
    out.append(t_.color.pick(rng_));
    out.push_back(',');
    // VIN: 17 characters of A-Z (no I, O, Q) and 0-9.
    static constexpr std::string_view kVinChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    for (int i = 0; i < 17; ++i) out.push_back(kVinChars[rng_.below(kVinChars.size())]);
    out.push_back(',');
    static constexpr std::string_view kCities[] = {
        "NEW YORK", "BROOKLYN", "BRONX",  "STATEN ISLAND", "JAMAICA", "FLUSHING",
        "ASTORIA",  "YONKERS",  "NEWARK", "JERSEY CITY",   "ALBANY",  "HEMPSTEAD"};
    out.append(kCities[rng_.below(std::size(kCities))]);
    out.push_back(',');
    static constexpr std::string_view kOwnerTypes[] = {
        "INDIVIDUAL", "INDIVIDUAL", "INDIVIDUAL", "INDIVIDUAL", "INDIVIDUAL",
        "INDIVIDUAL", "CORPORATE",  "CORPORATE",  "LEASE",      "GOVERNMENT"};
    out.append(kOwnerTypes[rng_.below(std::size(kOwnerTypes))]);
    out.push_back('\n');
  }

  ParkingRecords tickets_;
  Rng rng_;
  const Tables& t_;
  PlateSet written_;
  std::string plate_;
  std::string state_;
};

Status generate(const RegistrationsOptions& options,
                const std::function<Status(const std::string&)>& sink) {
  std::string chunk;
  for (const std::string& column : registrations_columns()) {
    chunk.append(chunk.empty() ? "" : ",").append(column);
  }
  chunk.push_back('\n');
  RegistrationWriter writer(options.seed);
  for (uint64_t row = 0; row < options.rows; ++row) {
    writer.write(chunk);
    if (chunk.size() >= kChunkBytes) {
      SLUICE_RETURN_IF_ERROR(sink(chunk));
      chunk.clear();
    }
  }
  return sink(chunk);
}

}  // namespace

const std::vector<std::string>& registrations_columns() {
  static const std::vector<std::string> columns = {
      "Plate ID",     "Registration State", "Owner ZIP",
      "Vehicle Year", "Registration Date",  "Registration Expires",
      "Vehicle Make", "Vehicle Body Type",  "Vehicle Color",
      "VIN",          "Owner City",         "Owner Type"};
  return columns;
}

Status write_registrations_csv(const std::string& path, const RegistrationsOptions& options) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return io_error("cannot open " + path + " for writing: " + std::strerror(errno));
  }
  Status status = generate(options, [&](const std::string& chunk) -> Status {
    if (!chunk.empty() && std::fwrite(chunk.data(), 1, chunk.size(), file) != chunk.size()) {
      return io_error("cannot write " + path + ": " + std::strerror(errno));
    }
    return Status::ok();
  });
  if (std::fclose(file) != 0 && status.is_ok()) {
    status = io_error("cannot close " + path + ": " + std::strerror(errno));
  }
  return status;
}

Result<std::string> registrations_csv(const RegistrationsOptions& options) {
  std::string out;
  SLUICE_RETURN_IF_ERROR(generate(options, [&](const std::string& chunk) -> Status {
    out.append(chunk);
    return Status::ok();
  }));
  return out;
}

}  // namespace sluice::gen
