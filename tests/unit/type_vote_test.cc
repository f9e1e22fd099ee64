// TypeVote (common/job/infer_types.h): the type a column's sampled values
// fit, and the pinning of inferred types into a job file.
#include <gtest/gtest.h>

#include "common/job/infer_types.h"
#include "common/job/job_file.h"

namespace sluice {
namespace {

std::string type_of(std::initializer_list<std::string_view> values) {
  TypeVote vote;
  for (std::string_view value : values) vote.add(value);
  return vote.type();
}

TEST(TypeVote, PicksTheNarrowestTypeEveryValueFits) {
  EXPECT_EQ(type_of({}), "string");
  EXPECT_EQ(type_of({"true", "FALSE", "True"}), "bool");
  EXPECT_EQ(type_of({"1", "0", "1"}), "int64");  // digits are numbers, not booleans
  EXPECT_EQ(type_of({"12", "-7", "+3", "9223372036854775807"}), "int64");
  EXPECT_EQ(type_of({"12", "9223372036854775808"}), "float64");  // past int64
  EXPECT_EQ(type_of({"1.5", "2", "-3e10"}), "float64");
  EXPECT_EQ(type_of({"2024-01-31", "1999-12-01"}), "date");
  EXPECT_EQ(type_of({"2024-01-31", "2024-01-31 10:00:00"}), "timestamp");
  EXPECT_EQ(type_of({"2016-10-29T00:00:00.000"}), "timestamp");
  EXPECT_EQ(type_of({"2024-02-30"}), "string");  // not a day
  EXPECT_EQ(type_of({"12", "abc"}), "string");
  EXPECT_EQ(type_of({"T", "F"}), "string");
  EXPECT_EQ(type_of({"nan", "inf"}), "string");  // no digit: words, not numbers
}

TEST(TypeVote, LeadingZerosStayText) {
  EXPECT_EQ(type_of({"07030", "10001"}), "string");  // a ZIP code keeps its zero
  EXPECT_EQ(type_of({"0", "10", "-0"}), "int64");
  EXPECT_EQ(type_of({"0.5", "10.25"}), "float64");
  EXPECT_EQ(type_of({"-012"}), "string");
}

std::pair<std::string, std::string> type_and_format(
    std::initializer_list<std::string_view> values) {
  TypeVote vote;
  for (std::string_view value : values) vote.add(value);
  return {vote.type(), vote.format()};
}

TEST(TypeVote, DatesAndTimestampsInOtherFormatsKeepTheirFormat) {
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(type_and_format({"2020-01-02", "2021-12-31"}), Pair("date", ""));
  EXPECT_EQ(type_and_format({"01/02/2020", "12/31/2021"}), Pair("date", "%m/%d/%Y"));
  EXPECT_EQ(type_and_format({"01/02/2020", "31/12/2021"}), Pair("date", "%d/%m/%Y"));
  EXPECT_EQ(type_and_format({"31.12.2021"}), Pair("date", "%d.%m.%Y"));
  EXPECT_EQ(type_and_format({"07/10/2016 13:05:00"}), Pair("timestamp", "%m/%d/%Y %H:%M:%S"));
  EXPECT_EQ(type_and_format({"2016-07-10 13:05"}), Pair("timestamp", "%Y-%m-%d %H:%M"));
  EXPECT_EQ(type_and_format({"2016-07-10 13:05:00", "2016-07-10"}), Pair("timestamp", ""));
  // Mixed formats, or not a real day: text.
  EXPECT_EQ(type_and_format({"01/02/2020", "2020-01-02"}), Pair("string", ""));
  EXPECT_EQ(type_and_format({"02/30/2020"}), Pair("string", ""));
}

TEST(PinInferredTypes, AddsTheTypesToTheSchemaAndDropsInferTypes) {
  const std::string yaml =
      "name: j\ninput:\n  path: a.csv\n  infer_types: true\n"
      "schema:\n  on_error: fail\n  columns:\n    b: {type: int64, min: 0}\n"
      "output:\n  path: out/\n";
  ColumnRule a;
  a.name = "a";
  a.type = "timestamp";
  ColumnRule spaced;
  spaced.name = "Days  ";
  spaced.type = "string";
  ColumnRule day;
  day.name = "day";
  day.type = "date";
  day.format = "%m/%d/%Y";
  InferredSchema inferred;
  inferred.columns = {a, spaced, day};
  inferred.dialect_sniffed = true;
  inferred.dialect = {'\t', '\'', false};
  auto pinned = pin_inferred_types(yaml, inferred);
  ASSERT_TRUE(pinned.is_ok()) << pinned.status().to_string();
  auto spec = parse_job_spec(*pinned, "pinned.yaml");
  ASSERT_TRUE(spec.is_ok()) << spec.status().to_string() << "\n" << *pinned;
  EXPECT_FALSE(spec->input.infer_types);
  EXPECT_EQ(spec->input.delimiter, '\t');
  EXPECT_EQ(spec->input.quote, '\'');
  EXPECT_FALSE(spec->input.header);
  ASSERT_TRUE(spec->schema.has_value());
  EXPECT_TRUE(spec->schema->fail_on_error);
  ASSERT_EQ(spec->schema->columns.size(), 4u) << *pinned;
  EXPECT_EQ(spec->schema->columns[3].format, "%m/%d/%Y");
  EXPECT_EQ(spec->schema->columns[0].name, "b");
  EXPECT_EQ(spec->schema->columns[0].min, 0.0);
  EXPECT_EQ(spec->schema->columns[1].name, "a");
  EXPECT_EQ(spec->schema->columns[1].type, "timestamp");
  EXPECT_EQ(spec->schema->columns[2].name, "Days  ");
}

CsvDialect sniffed(std::string_view sample, bool whole = true) {
  return sniff_csv_dialect(sample, whole, CsvDialect{}, DialectToSniff{true, true, true});
}

TEST(SniffDialect, FindsTheDelimiterUnderWhichRecordsHaveTheSameWidth) {
  EXPECT_EQ(sniffed("a;b;c\n1;2,5;x\n3;4,0;y\n").delimiter, ';');  // decimal commas
  EXPECT_EQ(sniffed("a\tb\n1\t2\n").delimiter, '\t');
  EXPECT_EQ(sniffed("a|b|c\n1|2|3\n4|5|6\n").delimiter, '|');
  EXPECT_EQ(sniffed("a,b;c\n1,2;x\n3,4;y\n").delimiter, ',');  // a tie: more fields, then ','
  // One column: nothing splits it; the given dialect stays.
  const CsvDialect one = sniffed("name\nann\nbob\n");
  EXPECT_EQ(one.delimiter, ',');
  EXPECT_EQ(one.quote, '"');
}

TEST(SniffDialect, FindsTheQuoteThatKeepsDelimitersInsideFields) {
  EXPECT_EQ(sniffed("a,b\n'x, y',1\n'z, w',2\n'q',3\n").quote, '\'');
  EXPECT_EQ(sniffed("a,b\n\"x, y\",1\n\"O'Brien, J\",2\n").quote, '"');
  EXPECT_EQ(sniffed("a,b\nx,1\ny,2\n").quote, '"');  // no quotes at all
}

TEST(SniffDialect, AFirstRecordThatDoesNotFitItsColumnsIsAHeader) {
  EXPECT_TRUE(sniffed("name,fine\nann,10\nbob,20\n").header);
  EXPECT_FALSE(sniffed("ann,10\nbob,20\ncy,30\n").header);  // fits: data
  EXPECT_TRUE(sniffed("a,b\nx,y\nz,w\n").header);           // all text: DuckDB's rule
  EXPECT_FALSE(sniffed("1,2020-01-02\n2,2020-01-03\n").header);
  EXPECT_TRUE(sniffed("id,day\n1,2020-01-02\n2,2020-01-03\n").header);
  // A cut last record (the sample is not the whole file) is not read.
  EXPECT_TRUE(sniffed("n\tm\n1\t2\n3\t4\n5\tthis record is cu", false).header);
}

TEST(SniffDialect, KeepsWhatTheJobGives) {
  const CsvDialect given{';', '"', false};
  const CsvDialect out =
      sniff_csv_dialect("a,b\nx,1\n", true, given, DialectToSniff{false, true, false});
  EXPECT_EQ(out.delimiter, ';');
  EXPECT_FALSE(out.header);
}

}  // namespace
}  // namespace sluice
