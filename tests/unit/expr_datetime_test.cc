// Calendar arithmetic, compiled date formats and date rendering.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/expr/datetime.h"

namespace sluice::expr {
namespace {

std::string render_date(int64_t days) {
  char buffer[32];
  return std::string(buffer, format_date(days, buffer));
}

std::string render_timestamp(int64_t micros) {
  char buffer[48];
  return std::string(buffer, format_timestamp(micros, buffer));
}

TEST(DateTime, KnowsLeapYears) {
  EXPECT_TRUE(is_leap_year(2016));
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_FALSE(is_leap_year(2017));
  EXPECT_EQ(days_in_month(2016, 2), 29);
  EXPECT_EQ(days_in_month(2100, 2), 28);
}

TEST(DateTime, CivilDaysRoundTrip) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  const uint32_t seed = std::random_device()();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int64_t> days(-800000, 2900000);
  for (int i = 0; i < 10000; ++i) {
    const int64_t day = days(random);
    const CivilDate date = civil_from_days(day);
    ASSERT_GE(date.day, 1);
    ASSERT_LE(date.day, days_in_month(date.year, date.month));
    ASSERT_EQ(days_from_civil(date.year, date.month, date.day), day);
  }
}

TEST(DateFormat, ParsesFixedFormats) {
  auto compact = DateFormat::compile("%Y%m%d");
  ASSERT_TRUE(compact.is_ok());
  EXPECT_EQ(compact->parse("20180630"), days_from_civil(2018, 6, 30) * kMicrosPerDay);
  auto iso = DateFormat::compile("%Y-%m-%dT%H:%M:%S.000");
  ASSERT_TRUE(iso.is_ok());
  EXPECT_TRUE(iso->has_time());
  EXPECT_EQ(iso->parse("2017-06-14T08:30:05.000"), days_from_civil(2017, 6, 14) * kMicrosPerDay +
                                                       (8 * 3600 + 30 * 60 + 5) * kMicrosPerSecond);
  EXPECT_EQ(iso->parse("2017-06-14T08:30:05.001"), std::nullopt);  // the literal must match
  auto us = DateFormat::compile("%m/%d/%Y");
  ASSERT_TRUE(us.is_ok());
  EXPECT_EQ(us->parse("6/4/2017"), days_from_civil(2017, 6, 4) * kMicrosPerDay);
  auto fraction = DateFormat::compile("%H:%M:%S.%f");
  ASSERT_TRUE(fraction.is_ok());
  EXPECT_EQ(fraction->parse("00:00:01.5"), kMicrosPerSecond + 500000);
  auto percent = DateFormat::compile("%Y%%");
  ASSERT_TRUE(percent.is_ok());
  EXPECT_EQ(percent->parse("2020%"), days_from_civil(2020, 1, 1) * kMicrosPerDay);
}

TEST(DateFormat, RejectsImpossibleDatesAndTimes) {
  auto compact = DateFormat::compile("%Y%m%d").value();
  for (const char* text : {"20180231", "0", "88888888", "20171301", "20180100", "20170229", "",
                           "2018-06-30", "201806301", "18-06-30x"}) {
    EXPECT_EQ(compact.parse(text), std::nullopt) << text;
  }
  auto time = DateFormat::compile("%Y-%m-%d %H:%M:%S").value();
  EXPECT_EQ(time.parse("2018-01-01 24:00:00"), std::nullopt);
  EXPECT_EQ(time.parse("2018-01-01 23:60:00"), std::nullopt);
  EXPECT_NE(time.parse("2016-02-29 23:59:59"), std::nullopt);
}

TEST(DateFormat, BacktracksLikePythonStrptime) {
  auto compact = DateFormat::compile("%Y%m%d").value();
  EXPECT_EQ(compact.parse("2018063"), days_from_civil(2018, 6, 3) * kMicrosPerDay);
  EXPECT_EQ(compact.parse("201811"), days_from_civil(2018, 1, 1) * kMicrosPerDay);
  EXPECT_EQ(compact.parse("201813"), days_from_civil(2018, 1, 3) * kMicrosPerDay);
  EXPECT_EQ(compact.parse("2018131"), days_from_civil(2018, 1, 31) * kMicrosPerDay);
  auto iso = DateFormat::compile("%Y-%m-%d").value();
  EXPECT_EQ(iso.parse("18-06-30"), std::nullopt);  // %Y is four digits
  EXPECT_EQ(iso.parse("2018-6-3"), days_from_civil(2018, 6, 3) * kMicrosPerDay);
}

TEST(DateFormat, RejectsUnsupportedDirectives) {
  EXPECT_FALSE(DateFormat::compile("%Q").is_ok());
  EXPECT_FALSE(DateFormat::compile("%Y%").is_ok());
}

TEST(DateTime, ParsesIsoForms) {
  EXPECT_EQ(parse_iso_date("2024-02-29"), days_from_civil(2024, 2, 29));
  EXPECT_EQ(parse_iso_date("2023-02-29"), std::nullopt);
  EXPECT_EQ(parse_iso_timestamp("2024-02-29"), days_from_civil(2024, 2, 29) * kMicrosPerDay);
  EXPECT_EQ(parse_iso_timestamp("2024-02-29T01:02:03"), parse_iso_timestamp("2024-02-29 01:02:03"));
  EXPECT_EQ(parse_iso_timestamp("2024-02-29 01:02:03.25"),
            *parse_iso_timestamp("2024-02-29 01:02:03") + 250000);
}

TEST(DateTime, RendersDatesAndTimestamps) {
  EXPECT_EQ(render_date(0), "1970-01-01");
  EXPECT_EQ(render_date(-1), "1969-12-31");
  EXPECT_EQ(render_date(days_from_civil(2016, 2, 29)), "2016-02-29");
  EXPECT_EQ(render_timestamp(0), "1970-01-01 00:00:00");
  EXPECT_EQ(render_timestamp(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(
      render_timestamp(days_from_civil(2017, 6, 14) * kMicrosPerDay + 3723 * kMicrosPerSecond),
      "2017-06-14 01:02:03");
}

}  // namespace
}  // namespace sluice::expr
