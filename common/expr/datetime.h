#pragma once
// Calendar arithmetic and fixed-format date parsing, without the C library:
// a DateFormat is compiled once from a strptime-style string and then parses
// millions of fields with no allocation. Invalid calendar dates (Feb 31,
// month 13, Feb 29 outside leap years) do not parse.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace sluice::expr {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

bool is_leap_year(int64_t year);
int days_in_month(int64_t year, int month);
// Days since 1970-01-01 of a valid civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t year, int month, int day);
struct CivilDate {
  int64_t year;
  int month;
  int day;
};
CivilDate civil_from_days(int64_t days);
// Floor division of a timestamp into its day.
inline int64_t day_of_timestamp(int64_t micros) {
  int64_t days = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --days;
  return days;
}

// A compiled strptime-style format, matching as Python's datetime.strptime
// does: %Y (4 digits), %m %d %H %M %S (2 digits, else 1), %y (2 digits,
// 69-99 -> 19xx), %f (1-6 fraction digits); %% and any other character match
// themselves. The whole text must match. Not supported: names (%b %a), %j, %z.
class DateFormat {
 public:
  static Result<DateFormat> compile(std::string_view format);
  // Microseconds since the epoch, or nullopt when `text` is not a real
  // date/time in this format.
  std::optional<int64_t> parse(std::string_view text) const;
  bool has_time() const { return has_time_; }
  const std::string& text() const { return text_; }

 private:
  enum class Field : uint8_t {
    kLiteral,
    kYear,
    kYear2,
    kMonth,
    kDay,
    kHour,
    kMinute,
    kSecond,
    kFraction
  };
  struct Parts;
  bool match(size_t item_index, std::string_view text, size_t pos, Parts& parts) const;
  struct Item {
    Field field;
    char literal;
  };
  std::vector<Item> items_;
  bool has_time_ = false;
  std::string text_;
};

// ISO forms used by CAST and literal comparisons: "YYYY-MM-DD" and
// "YYYY-MM-DD[ T]HH:MM:SS[.ffffff]".
std::optional<int64_t> parse_iso_date(std::string_view text);       // days
std::optional<int64_t> parse_iso_timestamp(std::string_view text);  // micros

// Writes "YYYY-MM-DD" / "YYYY-MM-DD HH:MM:SS[.ffffff]" to `out` (at least 32
// bytes) and returns the length.
size_t format_date(int64_t days, char* out);
size_t format_timestamp(int64_t micros, char* out);

}  // namespace sluice::expr
