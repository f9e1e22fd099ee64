// The external sort's keys (common/exchange/sort_key.h): memcmp of encoded
// keys orders random values of every type (and multi-column keys, ascending
// and descending) as a plain comparator does; NULLs and unparsed texts sort
// last. Randomized; the seed is printed. Replay with SLUICE_SEED=<seed>.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/base/hash.h"
#include "common/base/limits.h"
#include "common/exchange/external_sort.h"
#include "common/exchange/sort_key.h"
#include "common/expr/datetime.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using expr::Type;

using testing::test_seed;  // $SLUICE_SEED or the clock; printed

// memcmp order: -1, 0, 1.
int compare_bytes(std::string_view a, std::string_view b) {
  const int order = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (order != 0) return order < 0 ? -1 : 1;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

std::string escape(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out.push_back(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    }
  }
  return out;
}

// ---- sort keys ---------------------------------------------------------------

// A value as the comparator sees it (typed) and as the encoder sees it (text).
struct Value {
  Type type = Type::kString;
  bool null = false;
  bool parsed = true;   // false: a text that is not a number of a numeric type
  int64_t integer = 0;  // kInt64, kBool, kDate (days), kTimestamp (micros)
  double real = 0;      // kFloat64
  std::string text;     // as sluice renders it
};

std::string render_int(int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string render_double(double value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Days of 0000-01-01 and 9999-12-31: rendered with four-digit years.
constexpr int64_t kDaysMin = -719528;
constexpr int64_t kDaysMax = 2932896;
constexpr int64_t kMicrosPerDay = 86'400'000'000;

Value random_value(Type type, std::mt19937_64& random) {
  Value value;
  value.type = type;
  if (random() % 10 == 0) {
    value.null = true;
    return value;
  }
  const auto pick = [&](auto... options) {
    const std::array<std::common_type_t<decltype(options)...>, sizeof...(options)> all{options...};
    return all[random() % all.size()];
  };
  switch (type) {
    case Type::kInt64:
      if (random() % 20 == 0) break;  // an unparsed text
      switch (random() % 3) {
        case 0:
          value.integer = pick(INT64_MIN, INT64_MIN + 1, int64_t{-1}, int64_t{0}, int64_t{1},
                               INT64_MAX - 1, INT64_MAX);
          break;
        case 1:
          value.integer = static_cast<int64_t>(random() % 11) - 5;
          break;
        default:
          value.integer = static_cast<int64_t>(random());
      }
      value.text = render_int(value.integer);
      return value;
    case Type::kFloat64:
      if (random() % 20 == 0) break;
      switch (random() % 3) {
        case 0: {
          using L = std::numeric_limits<double>;
          value.real = pick(-0.0, 0.0, L::quiet_NaN(), -L::quiet_NaN(), L::infinity(),
                            -L::infinity(), L::denorm_min(), -L::denorm_min(), L::min(), -L::min(),
                            L::max(), -L::max(), 1.0, -1.0, 0.1, -0.1, 1e-310, -3e-320);
          break;
        }
        case 1:
          value.real = static_cast<double>(static_cast<int64_t>(random() % 11) - 5) / 2;
          break;
        default:
          value.real = std::bit_cast<double>(random());  // every kind, NaN payloads too
      }
      value.text = render_double(value.real);
      return value;
    case Type::kDate:
      value.integer = random() % 2 == 0
                          ? pick(kDaysMin, kDaysMin + 1, int64_t{-1}, int64_t{0}, int64_t{59},
                                 kDaysMax - 1, kDaysMax)
                          : kDaysMin + static_cast<int64_t>(random() % (kDaysMax - kDaysMin + 1));
      {
        char buffer[48];
        value.text.assign(buffer, expr::format_date(value.integer, buffer));
      }
      return value;
    case Type::kTimestamp: {
      const int64_t day = kDaysMin + static_cast<int64_t>(random() % (kDaysMax - kDaysMin + 1));
      const int64_t micros = random() % 2 == 0 ? pick(int64_t{0}, int64_t{1}, int64_t{999'999},
                                                      int64_t{1'000'000}, kMicrosPerDay - 1)
                                               : static_cast<int64_t>(random() % kMicrosPerDay);
      value.integer =
          (random() % 3 == 0 ? pick(int64_t{-1}, int64_t{0}, int64_t{1}) : day) * kMicrosPerDay +
          micros;
      char buffer[48];
      value.text.assign(buffer, expr::format_timestamp(value.integer, buffer));
      return value;
    }
    case Type::kBool:
      value.integer = static_cast<int64_t>(random() % 2);
      value.text = value.integer != 0 ? "true" : "false";
      return value;
    case Type::kString:
    case Type::kNull: {
      static const char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xfe', '\xff'};
      const size_t length = random() % 5;
      for (size_t i = 0; i < length; ++i) value.text.push_back(kAlphabet[random() % 6]);
      return value;
    }
  }
  value.parsed = false;  // a numeric type's text that is not a number
  const size_t length = random() % 4;
  for (size_t i = 0; i < length; ++i) value.text.push_back("xyz"[random() % 3]);
  return value;
}

// The SQL order: values, then unparsed texts, then NULLs, in both directions.
int compare_values(const Value& a, const Value& b, bool descending) {
  const auto rank = [](const Value& v) { return v.null ? 2 : v.parsed ? 0 : 1; };
  if (rank(a) != rank(b)) return rank(a) < rank(b) ? -1 : 1;
  if (a.null) return 0;
  int order = 0;
  if (!a.parsed || a.type == Type::kString || a.type == Type::kNull) {
    order = compare_bytes(a.text, b.text);
  } else if (a.type == Type::kFloat64) {
    const bool a_nan = std::isnan(a.real), b_nan = std::isnan(b.real);
    if (a_nan || b_nan) {
      order = a_nan == b_nan ? 0 : a_nan ? 1 : -1;
    } else {
      order = a.real < b.real ? -1 : a.real > b.real ? 1 : 0;  // -0.0 == 0.0
    }
  } else {
    order = a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
  }
  return descending ? -order : order;
}

std::string describe(const std::vector<Value>& row) {
  std::string out;
  for (const Value& value : row) {
    out += value.null ? std::string("NULL") : "'" + escape(value.text) + "'";
    out += ' ';
  }
  return out;
}

TEST(SortKey, MemcmpOfKeysIsTheSqlOrderOfRandomMultiColumnValues) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const Type kTypes[] = {Type::kInt64, Type::kFloat64,   Type::kString,
                         Type::kDate,  Type::kTimestamp, Type::kBool};
  uint64_t pairs = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const size_t columns = 1 + random() % 3;
    std::vector<Type> types;
    std::vector<bool> descending;
    for (size_t column = 0; column < columns; ++column) {
      types.push_back(kTypes[random() % std::size(kTypes)]);
      descending.push_back(random() % 2 == 0);
    }
    std::vector<std::vector<Value>> rows;
    std::vector<std::string> keys;
    for (int i = 0; i < 60; ++i) {
      std::vector<Value> row;
      for (size_t column = 0; column < columns; ++column) {
        // Often a value seen before in this column, so ties are common.
        if (!rows.empty() && random() % 3 == 0) {
          row.push_back(rows[random() % rows.size()][column]);
        } else {
          row.push_back(random_value(types[column], random));
        }
      }
      std::string key;
      for (size_t column = 0; column < columns; ++column) {
        append_sort_key(key, types[column], row[column].text, row[column].null, descending[column]);
      }
      rows.push_back(std::move(row));
      keys.push_back(std::move(key));
    }
    for (size_t a = 0; a < rows.size(); ++a) {
      for (size_t b = 0; b < rows.size(); ++b) {
        int expected = 0;
        for (size_t column = 0; column < columns && expected == 0; ++column) {
          expected = compare_values(rows[a][column], rows[b][column], descending[column]);
        }
        ASSERT_EQ(compare_bytes(keys[a], keys[b]), expected)
            << "seed=" << seed << " trial=" << trial << " a=" << describe(rows[a])
            << " b=" << describe(rows[b]) << " first type=" << expr::type_name(types[0])
            << " descending=" << descending[0];
        pairs++;
      }
    }
  }
  std::cout << "pairs compared " << pairs << "\n";
}

std::string key_of(Type type, std::string_view text, bool null, bool descending) {
  std::string key;
  append_sort_key(key, type, text, null, descending);
  return key;
}

// Each list is in ascending SQL order; equal neighbours are marked by "=".
void expect_order(Type type, const std::vector<std::optional<std::string>>& ascending) {
  for (const bool descending : {false, true}) {
    std::vector<std::string> keys;
    for (const auto& text : ascending) {
      keys.push_back(key_of(type, text.value_or(""), !text.has_value(), descending));
    }
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
      const bool next_is_null = !ascending[i + 1].has_value();
      const bool this_is_null = !ascending[i].has_value();
      const int order = compare_bytes(keys[i], keys[i + 1]);
      const std::string what = fmt::format("type={} descending={} {} vs {}", expr::type_name(type),
                                           descending, escape(ascending[i].value_or("NULL")),
                                           escape(ascending[i + 1].value_or("NULL")));
      if (this_is_null && next_is_null) {
        EXPECT_EQ(order, 0) << what;
      } else if (next_is_null) {
        EXPECT_LT(order, 0) << what;  // NULLs last whatever the direction
      } else {
        EXPECT_NE(order, 0) << what;
      }
    }
  }
}

TEST(SortKey, NullsAndUnparsedTextsSortLastInBothDirections) {
  const std::string kAfterNumbers = "abc";
  for (const bool descending : {false, true}) {
    for (const Type type : {Type::kInt64, Type::kFloat64}) {
      const std::string number = key_of(type, "-5", false, descending);
      const std::string unparsed = key_of(type, kAfterNumbers, false, descending);
      const std::string null = key_of(type, "", true, descending);
      EXPECT_LT(compare_bytes(number, unparsed), 0) << descending;
      EXPECT_LT(compare_bytes(unparsed, null), 0) << descending;
    }
    const std::string text = key_of(Type::kString, "\xff\xff", false, descending);
    EXPECT_LT(compare_bytes(text, key_of(Type::kString, "", true, descending)), 0);
  }
  expect_order(Type::kInt64, {"-9223372036854775808", "-1", "0", "7", "9223372036854775807",
                              std::nullopt, std::nullopt});
  expect_order(Type::kFloat64, {"-inf", "-1.7976931348623157e+308", "-1", "-5e-324", "0", "5e-324",
                                "2.2250738585072014e-308", "1", "inf", "nan", std::nullopt});
  expect_order(Type::kString,
               {"", std::string("\0", 1), std::string("\0\0", 2), std::string("\0\xff", 2), "\x01",
                "a", "ab", "b", "\xff", std::nullopt});
}

TEST(SortKey, EqualValuesEncodeEqually) {
  for (const bool descending : {false, true}) {
    EXPECT_EQ(key_of(Type::kFloat64, "-0", false, descending),
              key_of(Type::kFloat64, "0", false, descending));
    EXPECT_EQ(key_of(Type::kFloat64, "-nan", false, descending),
              key_of(Type::kFloat64, "nan", false, descending));
    EXPECT_EQ(key_of(Type::kInt64, "+7", false, descending),
              key_of(Type::kInt64, "7", false, descending));
  }
}

// ---- the sorter --------------------------------------------------------------

}  // namespace
}  // namespace sluice
