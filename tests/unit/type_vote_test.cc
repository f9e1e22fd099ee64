// TypeVote (common/job/infer_types.h): the type a column's sampled values
// fit, and the pinning of inferred types into a job file.
#include <gtest/gtest.h>

#include "common/job/infer_types.h"

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
  auto pinned = pin_inferred_types(yaml, {a, spaced});
  ASSERT_TRUE(pinned.is_ok()) << pinned.status().to_string();
  auto spec = parse_job_spec(*pinned, "pinned.yaml");
  ASSERT_TRUE(spec.is_ok()) << spec.status().to_string() << "\n" << *pinned;
  EXPECT_FALSE(spec->input.infer_types);
  ASSERT_TRUE(spec->schema.has_value());
  EXPECT_TRUE(spec->schema->fail_on_error);
  ASSERT_EQ(spec->schema->columns.size(), 3u) << *pinned;
  EXPECT_EQ(spec->schema->columns[0].name, "b");
  EXPECT_EQ(spec->schema->columns[0].min, 0.0);
  EXPECT_EQ(spec->schema->columns[1].name, "a");
  EXPECT_EQ(spec->schema->columns[1].type, "timestamp");
  EXPECT_EQ(spec->schema->columns[2].name, "Days  ");
}

}  // namespace
}  // namespace sluice
