#include "common/expr/datetime.h"

#include <fmt/format.h>

namespace sluice::expr {

bool is_leap_year(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int64_t year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t days_from_civil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilDate{year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

Result<DateFormat> DateFormat::compile(std::string_view format) {
  DateFormat out;
  out.text_ = std::string(format);
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.items_.push_back({Field::kLiteral, format[i]});
      continue;
    }
    if (i + 1 == format.size()) return invalid_argument("date format ends with a lone '%'");
    const char spec = format[++i];
    Field field;
    switch (spec) {
      case 'Y':
        field = Field::kYear;
        break;
      case 'y':
        field = Field::kYear2;
        break;
      case 'm':
        field = Field::kMonth;
        break;
      case 'd':
        field = Field::kDay;
        break;
      case 'H':
        field = Field::kHour;
        break;
      case 'M':
        field = Field::kMinute;
        break;
      case 'S':
        field = Field::kSecond;
        break;
      case 'f':
        field = Field::kFraction;
        break;
      case '%':
        out.items_.push_back({Field::kLiteral, '%'});
        continue;
      default:
        return invalid_argument(fmt::format("unsupported date format directive %{}", spec));
    }
    if (field >= Field::kHour) out.has_time_ = true;
    out.items_.push_back({field, 0});
  }
  return out;
}

struct DateFormat::Parts {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
};

namespace {

// Reads exactly `width` digits at `pos`, or returns -1.
int64_t read_digits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) return -1;
  int64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

// Matches like Python's strptime regex: each field tries its two-digit form
// first and backtracks to one digit if the rest does not match, so
// "201811" is 2018-01-01 with %Y%m%d. Calendar validity is checked after a
// match, without backtracking (as Python does).
bool DateFormat::match(size_t item_index, std::string_view text, size_t pos, Parts& parts) const {
  if (item_index == items_.size()) return pos == text.size();
  const Item& item = items_[item_index];
  auto try_width = [&](size_t width, int64_t low, int64_t high, int64_t Parts::*field) {
    const int64_t value = read_digits(text, pos, width);
    if (value < low || value > high) return false;
    parts.*field = value;
    return match(item_index + 1, text, pos + width, parts);
  };
  switch (item.field) {
    case Field::kLiteral:
      return pos < text.size() && text[pos] == item.literal &&
             match(item_index + 1, text, pos + 1, parts);
    case Field::kYear:
      return try_width(4, 0, 9999, &Parts::year);
    case Field::kYear2:
      if (!try_width(2, 0, 99, &Parts::year)) return false;
      parts.year += parts.year >= 69 ? 1900 : 2000;
      return true;
    case Field::kMonth:
      return try_width(2, 1, 12, &Parts::month) || try_width(1, 1, 9, &Parts::month);
    case Field::kDay:
      return try_width(2, 1, 31, &Parts::day) || try_width(1, 1, 9, &Parts::day);
    case Field::kHour:
      return try_width(2, 0, 23, &Parts::hour) || try_width(1, 0, 9, &Parts::hour);
    case Field::kMinute:
      return try_width(2, 0, 59, &Parts::minute) || try_width(1, 0, 9, &Parts::minute);
    case Field::kSecond:
      return try_width(2, 0, 61, &Parts::second) || try_width(1, 0, 9, &Parts::second);
    case Field::kFraction:
      for (size_t width = 6; width >= 1; --width) {
        int64_t value = read_digits(text, pos, width);
        if (value < 0) continue;
        for (size_t digits = width; digits < 6; ++digits) value *= 10;
        parts.micros = value;
        if (match(item_index + 1, text, pos + width, parts)) return true;
      }
      return false;
  }
  return false;
}

std::optional<int64_t> DateFormat::parse(std::string_view text) const {
  Parts parts;
  if (!match(0, text, 0, parts)) return std::nullopt;
  if (parts.year < 1) return std::nullopt;  // no year 0, as in Python's datetime
  if (parts.day > days_in_month(parts.year, static_cast<int>(parts.month))) return std::nullopt;
  if (parts.second > 59) return std::nullopt;
  const int64_t days =
      days_from_civil(parts.year, static_cast<int>(parts.month), static_cast<int>(parts.day));
  return days * kMicrosPerDay +
         ((parts.hour * 60 + parts.minute) * 60 + parts.second) * kMicrosPerSecond + parts.micros;
}

std::optional<int64_t> parse_iso_date(std::string_view text) {
  static const DateFormat kFormat = DateFormat::compile("%Y-%m-%d").value();
  auto micros = kFormat.parse(text);
  if (!micros) return std::nullopt;
  return *micros / kMicrosPerDay;
}

std::optional<int64_t> parse_iso_timestamp(std::string_view text) {
  static const DateFormat kDate = DateFormat::compile("%Y-%m-%d").value();
  static const DateFormat kSpace = DateFormat::compile("%Y-%m-%d %H:%M:%S").value();
  static const DateFormat kT = DateFormat::compile("%Y-%m-%dT%H:%M:%S").value();
  static const DateFormat kSpaceFraction = DateFormat::compile("%Y-%m-%d %H:%M:%S.%f").value();
  static const DateFormat kTFraction = DateFormat::compile("%Y-%m-%dT%H:%M:%S.%f").value();
  for (const DateFormat* format : {&kSpace, &kT, &kDate, &kSpaceFraction, &kTFraction}) {
    if (auto micros = format->parse(text)) return micros;
  }
  return std::nullopt;
}

namespace {

char* write_digits(char* out, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

char* write_civil(char* out, int64_t days) {
  const CivilDate date = civil_from_days(days);
  if (date.year < 0 || date.year > 9999) {
    auto result = fmt::format_to(out, "{}-{:02}-{:02}", date.year, date.month, date.day);
    return result;
  }
  out = write_digits(out, date.year, 4);
  *out++ = '-';
  out = write_digits(out, date.month, 2);
  *out++ = '-';
  return write_digits(out, date.day, 2);
}

}  // namespace

size_t format_date(int64_t days, char* out) {
  return static_cast<size_t>(write_civil(out, days) - out);
}

size_t format_timestamp(int64_t micros, char* out) {
  const int64_t days = day_of_timestamp(micros);
  int64_t rest = micros - days * kMicrosPerDay;
  char* end = write_civil(out, days);
  const int64_t seconds = rest / kMicrosPerSecond;
  const int64_t fraction = rest % kMicrosPerSecond;
  *end++ = ' ';
  end = write_digits(end, seconds / 3600, 2);
  *end++ = ':';
  end = write_digits(end, seconds / 60 % 60, 2);
  *end++ = ':';
  end = write_digits(end, seconds % 60, 2);
  if (fraction != 0) {
    *end++ = '.';
    end = write_digits(end, fraction, 6);
  }
  return static_cast<size_t>(end - out);
}

}  // namespace sluice::expr
