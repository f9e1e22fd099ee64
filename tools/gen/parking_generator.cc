#include "tools/gen/parking_generator.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "tools/gen/rng.h"
#include "tools/gen/value_tables.h"

namespace sluice::gen {
namespace {

// ---------------------------------------------------------------------------
// Output helpers: write into a buffer known to have room (see kRowBytesMax).

char* put(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

char* put_uint(char* p, uint64_t value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

char* put_2digits(char* p, unsigned value) {
  p[0] = static_cast<char>('0' + value / 10);
  p[1] = static_cast<char>('0' + value % 10);
  return p + 2;
}

char* put_4digits(char* p, unsigned value) {
  p = put_2digits(p, value / 100);
  return put_2digits(p, value % 100);
}

// ---------------------------------------------------------------------------
// Calendar (Howard Hinnant's civil-date algorithms), days since 1970-01-01.

struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};

int64_t days_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int year = static_cast<int>(year_of_era + era * 400) + (month <= 2);
  return {year, month, day};
}

// FY2018 runs 2017-07-01 .. 2018-06-30.
const int64_t kFiscalYearFirstDay = days_from_civil(2017, 7, 1);
const int64_t kFiscalYearDays = days_from_civil(2018, 7, 1) - kFiscalYearFirstDay;

// No record is longer than this (all pool values are short; checked by an
// assert per row).
constexpr size_t kRowBytesMax = 2048;

char* put_yyyymmdd(char* p, int64_t days) {
  const CivilDate date = civil_from_days(days);
  p = put_4digits(p, static_cast<unsigned>(date.year));
  p = put_2digits(p, date.month);
  return put_2digits(p, date.day);
}

char* put_time(char* p, Rng& rng) {  // 0752A
  p = put_2digits(p, static_cast<unsigned>(1 + rng.below(12)));
  p = put_2digits(p, static_cast<unsigned>(rng.below(60)));
  *p++ = rng.below(100) < 55 ? 'A' : 'P';
  return p;
}

char* put_upper_letters(char* p, Rng& rng, int count) {
  for (int i = 0; i < count; ++i) *p++ = static_cast<char>('A' + rng.below(26));
  return p;
}

char* put_digits(char* p, Rng& rng, int count) {
  for (int i = 0; i < count; ++i) *p++ = static_cast<char>('0' + rng.below(10));
  return p;
}

char* put_plate(char* p, Rng& rng) {
  const uint64_t style = rng.below(1000);
  if (style < 3) return put(p, "BLANKPLATE");
  if (style < 550) {  // NY passenger: GBB9093
    p = put_upper_letters(p, rng, 3);
    return put_digits(p, rng, 4);
  }
  if (style < 800) {  // commercial: 66623ME
    p = put_digits(p, rng, 5);
    return put_upper_letters(p, rng, 2);
  }
  if (style < 950) {  // NJ-like: A12BCD
    p = put_upper_letters(p, rng, 1);
    p = put_digits(p, rng, 2);
    return put_upper_letters(p, rng, 3);
  }
  p = put_digits(p, rng, 4);  // taxi/livery: 1234T
  *p++ = 'T';
  return p;
}

char* put_house_number(char* p, Rng& rng) {
  const uint64_t style = rng.below(100);
  if (style < 18) return p;  // empty
  if (style < 82) return put_uint(p, 1 + rng.below(rng.below(4) == 0 ? 9999 : 999));
  p = put_uint(p, 1 + rng.below(250));  // Queens style: 45-12
  *p++ = '-';
  return put_2digits(p, static_cast<unsigned>(1 + rng.below(99)));
}

// A quoted Street Name holding a newline, doubled quotes and a comma, e.g.
// "BROADWAY\n""NEAR"" W 43rd St, N/B" (raw: BROADWAY<LF>"NEAR" W 43rd St, N/B).
char* put_multiline_street(char* p, Rng& rng) {
  static const std::array<std::string_view, 4> kNotes = {"NEAR", "OPP", "REAR OF", "FRONT"};
  static const std::array<std::string_view, 4> kBounds = {"N/B", "S/B", "E/B", "W/B"};
  const Tables& t = tables();
  std::string raw;
  raw.reserve(128);
  raw.append(t.street.pick_raw(rng));
  raw.append("\n\"");
  raw.append(kNotes[rng.below(kNotes.size())]);
  raw.append("\" ");
  raw.append(t.street.pick_raw(rng));
  raw.append(", ");
  raw.append(kBounds[rng.below(kBounds.size())]);
  return put(p, csv_encode(raw));
}

class RowWriter {
 public:
  RowWriter(uint64_t seed, double multiline_rate)
      : rng_(seed),
        t_(tables()),
        multiline_per_million_(static_cast<uint64_t>(multiline_rate * 1000000.0 + 0.5)) {}

  // Writes one record ending in '\n'; `p` has at least kRowBytesMax of room.
  char* write(char* p) {
    char* const start = p;
    const bool multiline =
        multiline_per_million_ > 0 && rng_.below(1000000) < multiline_per_million_;
    // Summons Number: ten digits.
    static constexpr std::array<uint64_t, 5> kSummonsLead = {1, 4, 5, 7, 8};
    p = put_uint(p, kSummonsLead[rng_.below(kSummonsLead.size())] * 1000000000ULL +
                        rng_.below(1000000000ULL));
    *p++ = ',';
    p = put_plate(p, rng_);
    *p++ = ',';
    p = put(p, t_.registration_state.pick(rng_));
    *p++ = ',';
    p = put(p, t_.plate_type.pick(rng_));
    *p++ = ',';
    const int64_t issue_day = pick_issue_day();
    p = put_issue_date(p, issue_day);
    *p++ = ',';
    const std::string_view code = t_.violation_code.pick(rng_);
    p = put(p, code);
    *p++ = ',';
    p = put(p, t_.body_type.pick(rng_));
    *p++ = ',';
    p = put(p, t_.make.pick(rng_));
    *p++ = ',';
    p = put(p, t_.agency.pick(rng_));
    *p++ = ',';
    for (int i = 0; i < 3; ++i) {  // Street Code1..3
      p = put_uint(p, rng_.below(100) < 20 ? 0 : 10000 + rng_.below(90000));
      *p++ = ',';
    }
    p = put_expiration_date(p, issue_day);
    *p++ = ',';
    const uint64_t precinct = 1 + rng_.below(123);
    if (rng_.below(100) >= 15) p = put_uint(p, precinct);  // Violation Location
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 10 ? 0 : precinct);  // Violation Precinct
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 12 ? 0 : 1 + rng_.below(123));  // Issuer Precinct
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 30 ? 0 : 100000 + rng_.below(900000));  // Issuer Code
    *p++ = ',';
    p = put(p, t_.issuer_command.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) >= 20) p = put_upper_letters(p, rng_, 1);  // Issuer Squad
    *p++ = ',';
    p = put_time(p, rng_);  // Violation Time
    *p++ = ',';
    if (rng_.below(100) < 20) p = put_time(p, rng_);  // Time First Observed
    *p++ = ',';
    p = put(p, t_.county.pick(rng_));
    *p++ = ',';
    p = put(p, t_.front_or_opposite.pick(rng_));
    *p++ = ',';
    p = put_house_number(p, rng_);
    *p++ = ',';
    p = multiline ? put_multiline_street(p, rng_) : put(p, t_.street.pick(rng_));
    *p++ = ',';
    p = put(p, t_.intersecting_street.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 5) {  // Date First Observed
      p = put_yyyymmdd(p, issue_day);
    } else {
      *p++ = '0';
    }
    *p++ = ',';
    p = put(p, t_.law_section.pick(rng_));
    *p++ = ',';
    p = put(p, t_.sub_division.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 15) *p++ = 'T';  // Violation Legal Code
    *p++ = ',';
    p = put(p, t_.days_in_effect.pick(rng_));
    *p++ = ',';
    p = put(p, t_.from_hours.pick(rng_));
    *p++ = ',';
    p = put(p, t_.to_hours.pick(rng_));
    *p++ = ',';
    p = put(p, t_.color.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 10) *p++ = '0';  // Unregistered Vehicle?
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 25 ? 0 : 2018 - rng_.below(rng_.below(3) == 0 ? 30 : 12));
    *p++ = ',';
    const uint64_t meter = rng_.below(100);  // Meter Number
    if (meter < 15) {
      *p++ = '-';
    } else if (meter < 25) {
      p = put_digits(p, rng_, 3);
      *p++ = '-';
      p = put_digits(p, rng_, 4);
    }
    *p++ = ',';
    p = put_uint(p, rng_.below(100) < 95 ? 0 : 1 + rng_.below(15));  // Feet From Curb
    *p++ = ',';
    p = put(p, t_.post_code.pick(rng_));
    *p++ = ',';
    if (rng_.below(100) < 65) p = put(p, description(code));  // Violation Description
    // No Standing or Stopping, Hydrant, Double Parking: empty as in FY2018.
    p = put(p, ",,,\n");
    SLUICE_ASSERT(static_cast<size_t>(p - start) <= kRowBytesMax, "row bytes={}", p - start);
    return p;
  }

 private:
  int64_t pick_issue_day() {
    const uint64_t u = rng_.below(1000);
    if (u < 930) return kFiscalYearFirstDay + static_cast<int64_t>(rng_.below(kFiscalYearDays));
    if (u < 985) return kFiscalYearFirstDay - 1 - static_cast<int64_t>(rng_.below(365));
    if (u < 998)
      return kFiscalYearFirstDay + kFiscalYearDays + static_cast<int64_t>(rng_.below(365));
    // Typo outliers as in the real file: any day in 1990 .. 2069.
    const int64_t first = days_from_civil(1990, 1, 1);
    return first + static_cast<int64_t>(rng_.below(days_from_civil(2070, 1, 1) - first));
  }

  char* put_issue_date(char* p, int64_t days) {  // 2017-06-14T00:00:00.000
    const CivilDate date = civil_from_days(days);
    p = put_4digits(p, static_cast<unsigned>(date.year));
    *p++ = '-';
    p = put_2digits(p, date.month);
    *p++ = '-';
    p = put_2digits(p, date.day);
    return put(p, "T00:00:00.000");
  }

  char* put_expiration_date(char* p, int64_t issue_day) {
    const uint64_t u = rng_.below(10000);
    if (u < 300) {
      *p++ = '0';
      return p;
    }
    if (u < 1300) return put(p, "88888888");
    if (u < 1330) return put(p, t_.impossible_date.pick(rng_));
    return put_yyyymmdd(p, issue_day - 300 + static_cast<int64_t>(rng_.below(1100)));
  }

  std::string_view description(std::string_view code) const {
    int value = 0;
    for (char c : code) value = value * 10 + (c - '0');
    return t_.description[static_cast<size_t>(value)];
  }

  Rng rng_;
  const Tables& t_;
  uint64_t multiline_per_million_;
};

std::string header_line() {
  std::string line;
  for (const auto& name : parking_columns()) {
    if (!line.empty()) line.push_back(',');
    line.append(csv_encode(name));
  }
  line.push_back('\n');
  return line;
}

Status check_options(const ParkingOptions& options) {
  if (!(options.multiline_rate >= 0.0 && options.multiline_rate <= 1.0)) {
    return invalid_argument("multiline_rate must be in [0, 1], got " +
                            std::to_string(options.multiline_rate));
  }
  return Status::ok();
}

// Produces the whole file through `sink`, in chunks of about kChunkBytes.
constexpr size_t kChunkBytes = 4 << 20;

Status generate(const ParkingOptions& options,
                const std::function<Status(const char*, size_t)>& sink) {
  SLUICE_RETURN_IF_ERROR(check_options(options));
  const std::string header = header_line();
  SLUICE_RETURN_IF_ERROR(sink(header.data(), header.size()));
  std::unique_ptr<char[]> buffer(new char[kChunkBytes + kRowBytesMax]);
  char* p = buffer.get();
  RowWriter writer(options.seed, options.multiline_rate);
  for (uint64_t row = 0; row < options.rows; ++row) {
    p = writer.write(p);
    if (static_cast<size_t>(p - buffer.get()) >= kChunkBytes) {
      SLUICE_RETURN_IF_ERROR(sink(buffer.get(), static_cast<size_t>(p - buffer.get())));
      p = buffer.get();
    }
  }
  return sink(buffer.get(), static_cast<size_t>(p - buffer.get()));
}

}  // namespace

struct ParkingRecords::State {
  explicit State(uint64_t seed) : writer(seed, 0.0), buffer(new char[kRowBytesMax]) {}
  RowWriter writer;
  std::unique_ptr<char[]> buffer;
};

ParkingRecords::ParkingRecords(uint64_t seed) : state_(std::make_unique<State>(seed)) {}
ParkingRecords::~ParkingRecords() = default;

std::string_view ParkingRecords::next() {
  char* const start = state_->buffer.get();
  char* const end = state_->writer.write(start);
  return std::string_view(start, static_cast<size_t>(end - start));
}

void append_plate(std::string& out, Rng& rng) {
  char plate[16];
  char* const end = put_plate(plate, rng);
  out.append(plate, static_cast<size_t>(end - plate));
}

const std::vector<std::string>& parking_columns() {
  static const std::vector<std::string> columns = {
      "Summons Number",
      "Plate ID",
      "Registration State",
      "Plate Type",
      "Issue Date",
      "Violation Code",
      "Vehicle Body Type",
      "Vehicle Make",
      "Issuing Agency",
      "Street Code1",
      "Street Code2",
      "Street Code3",
      "Vehicle Expiration Date",
      "Violation Location",
      "Violation Precinct",
      "Issuer Precinct",
      "Issuer Code",
      "Issuer Command",
      "Issuer Squad",
      "Violation Time",
      "Time First Observed",
      "Violation County",
      "Violation In Front Of Or Opposite",
      "House Number",
      "Street Name",
      "Intersecting Street",
      "Date First Observed",
      "Law Section",
      "Sub Division",
      "Violation Legal Code",
      "Days Parking In Effect    ",
      "From Hours In Effect",
      "To Hours In Effect",
      "Vehicle Color",
      "Unregistered Vehicle?",
      "Vehicle Year",
      "Meter Number",
      "Feet From Curb",
      "Violation Post Code",
      "Violation Description",
      "No Standing or Stopping Violation",
      "Hydrant Violation",
      "Double Parking Violation",
  };
  return columns;
}

Status write_parking_csv(const std::string& path, const ParkingOptions& options) {
  SLUICE_RETURN_IF_ERROR(check_options(options));
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return io_error("cannot open " + path + " for writing: " + std::strerror(errno));
  }
  std::setvbuf(file, nullptr, _IONBF, 0);  // we hand fwrite 4 MiB chunks
  Status status = generate(options, [&](const char* data, size_t size) -> Status {
    if (size > 0 && std::fwrite(data, 1, size, file) != size) {
      return io_error("cannot write " + path + ": " + std::strerror(errno));
    }
    return Status::ok();
  });
  if (std::fclose(file) != 0 && status.is_ok()) {
    status = io_error("cannot close " + path + ": " + std::strerror(errno));
  }
  return status;
}

Result<std::string> parking_csv(const ParkingOptions& options) {
  std::string out;
  Status status = generate(options, [&](const char* data, size_t size) -> Status {
    out.append(data, size);
    return Status::ok();
  });
  if (!status.is_ok()) return status;
  return out;
}

}  // namespace sluice::gen
