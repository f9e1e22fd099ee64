#include "common/expr/datetime.h"

#include <fmt/format.h>

namespace sluice::expr {

bool is_leap_year(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

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
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
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
      case 'Y': field = Field::kYear; break;
      case 'y': field = Field::kYear2; break;
      case 'm': field = Field::kMonth; break;
      case 'd': field = Field::kDay; break;
      case 'H': field = Field::kHour; break;
      case 'M': field = Field::kMinute; break;
      case 'S': field = Field::kSecond; break;
      case 'f': field = Field::kFraction; break;
      case '%': out.items_.push_back({Field::kLiteral, '%'}); continue;
      default:
        return invalid_argument(fmt::format("unsupported date format directive %{}", spec));
    }
    if (field >= Field::kHour) out.has_time_ = true;
    out.items_.push_back({field, 0});
  }
  return out;
}

namespace {

// Reads 1..max_digits digits (exactly `max_digits` when `exact`).
bool read_number(std::string_view text, size_t& pos, int max_digits, bool exact, int64_t& value) {
  value = 0;
  int digits = 0;
  while (digits < max_digits && pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    value = value * 10 + (text[pos] - '0');
    ++pos;
    ++digits;
  }
  return exact ? digits == max_digits : digits > 0;
}

}  // namespace

std::optional<int64_t> DateFormat::parse(std::string_view text) const {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0;
  size_t pos = 0;
  for (const Item& item : items_) {
    switch (item.field) {
      case Field::kLiteral:
        if (pos >= text.size() || text[pos] != item.literal) return std::nullopt;
        ++pos;
        break;
      case Field::kYear:
        if (!read_number(text, pos, 4, false, year)) return std::nullopt;
        break;
      case Field::kYear2:
        if (!read_number(text, pos, 2, true, year)) return std::nullopt;
        year += year >= 69 ? 1900 : 2000;
        break;
      case Field::kMonth:
        if (!read_number(text, pos, 2, false, month)) return std::nullopt;
        break;
      case Field::kDay:
        if (!read_number(text, pos, 2, false, day)) return std::nullopt;
        break;
      case Field::kHour:
        if (!read_number(text, pos, 2, false, hour)) return std::nullopt;
        break;
      case Field::kMinute:
        if (!read_number(text, pos, 2, false, minute)) return std::nullopt;
        break;
      case Field::kSecond:
        if (!read_number(text, pos, 2, false, second)) return std::nullopt;
        break;
      case Field::kFraction: {
        const size_t start = pos;
        if (!read_number(text, pos, 6, false, micros)) return std::nullopt;
        for (size_t digits = pos - start; digits < 6; ++digits) micros *= 10;
        break;
      }
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > days_in_month(year, static_cast<int>(month))) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<int>(month), static_cast<int>(day));
  return days * kMicrosPerDay + ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + micros;
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

size_t format_date(int64_t days, char* out) { return static_cast<size_t>(write_civil(out, days) - out); }

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
