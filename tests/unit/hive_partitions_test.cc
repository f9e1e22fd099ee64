// The pure parts of Hive-partitioned inputs: segments, unescaping (the exact
// inverse of output.partition_by's escaping), type inference over values,
// the columns a job gets, the glob matcher, the pruning decision, and the
// reader that appends partition values.
#include "common/job/hive_partitions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/io/byte_source.h"
#include "common/job/hive_prune.h"
#include "common/job/input_listing.h"
#include "common/layout/hive_path.h"
#include "common/parquet/pushdown.h"
#include "common/sources/hive_reader.h"

namespace sluice {
namespace {

using Values = std::vector<std::optional<std::string>>;

TEST(HivePartitions, ParsesKeyValueSegmentsAndSkipsOtherDirectories) {
  const std::vector<HiveSegment> segments =
      hive_segments_of("/year=2020/raw/month=01/file=not_a_key.csv");
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].key, "year");
  EXPECT_EQ(segments[0].value, "2020");
  EXPECT_EQ(segments[1].key, "month");
  EXPECT_EQ(segments[1].value, "01");
  EXPECT_FALSE(parse_hive_segment("=value").has_value());
  EXPECT_FALSE(parse_hive_segment("plain").has_value());
}

TEST(HivePartitions, DefaultPartitionAndEmptyValueAreNull) {
  EXPECT_EQ(parse_hive_segment("k=__HIVE_DEFAULT_PARTITION__")->value, std::nullopt);
  EXPECT_EQ(parse_hive_segment("k=")->value, std::nullopt);
  EXPECT_EQ(parse_hive_segment("k=a=b")->value, "a=b");  // the first '=' splits
}

TEST(HivePartitions, UnescapingInvertsTheWritersEscapingForRandomValues) {
  const uint32_t seed = std::random_device{}();
  std::mt19937 random(seed);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  const std::string alphabet = "ab/=%:#?*\\'\"{}[]^ \x01\x7f\xc3\xa9-_.9";
  for (int round = 0; round < 2000; ++round) {
    std::string name, value;
    const size_t name_length = 1 + random() % 6, value_length = random() % 8;
    for (size_t i = 0; i < name_length; ++i) name += alphabet[random() % alphabet.size()];
    for (size_t i = 0; i < value_length; ++i) value += alphabet[random() % alphabet.size()];
    const std::string component = hive_component(name, value);
    ASSERT_EQ(component.find('/'), std::string::npos);
    const auto segment = parse_hive_segment(component);
    ASSERT_TRUE(segment.has_value()) << component;
    EXPECT_EQ(segment->key, name) << component;
    if (value.empty()) {
      EXPECT_EQ(segment->value, std::nullopt) << component;
    } else {
      EXPECT_EQ(segment->value, value) << component;
    }
  }
  EXPECT_EQ(parse_hive_segment(hive_component("k", std::nullopt))->value, std::nullopt);
}

TEST(HivePartitions, InfersTypesAsDuckDbAutocasts) {
  EXPECT_EQ(hive_type_of({"2020", "2021", std::nullopt}), "int64");
  EXPECT_EQ(hive_type_of({"1.5", "2"}), "float64");
  EXPECT_EQ(hive_type_of({"2020-01-31", "2021-12-01"}), "date");
  EXPECT_EQ(hive_type_of({"2020-01-31 10:00:00"}), "timestamp");
  EXPECT_EQ(hive_type_of({"007", "8"}), "string");  // a leading zero stays text
  EXPECT_EQ(hive_type_of({"true", "false"}), "string");
  EXPECT_EQ(hive_type_of({"2020", "x"}), "string");
  EXPECT_EQ(hive_type_of({std::nullopt}), "string");
}

InputSpec decided(std::vector<std::pair<std::string, std::string>> types) {
  InputSpec input;
  input.hive_partitioning = true;
  input.hive_types = std::move(types);
  return input;
}

TEST(HivePartitions, KeysFollowTheFileColumnsAndAFileColumnKeepsItsPlace) {
  const InputSpec input = decided({{"year", "int64"}, {"city", "string"}});
  EXPECT_EQ(columns_with_hive_keys({"a", "b"}, input),
            (std::vector<std::string>{"a", "b", "year", "city"}));
  EXPECT_EQ(columns_with_hive_keys({"city", "a"}, input),
            (std::vector<std::string>{"city", "a", "year"}));
}

TEST(HivePartitions, WorkerReadsTheLastSegmentsOfItsPath) {
  const InputSpec input = decided({{"year", "int64"}, {"city", "string"}});
  auto values = hive_values_of(input, "/data/x=1/tickets/year=2020/city=a%2Fb/part-0.csv");
  ASSERT_TRUE(values.is_ok()) << values.status().message();
  EXPECT_EQ(values.value(), (Values{"2020", "a/b"}));
  auto wrong = hive_values_of(input, "/data/city=a/year=2020/part-0.csv");
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find("expected the partition directories year, city"),
            std::string::npos);
}

TEST(HivePartitions, GlobMatcherTakesDoubleStarAsAnyDirectories) {
  const auto split = [](std::initializer_list<const char*> parts) {
    return std::vector<std::string>(parts.begin(), parts.end());
  };
  EXPECT_TRUE(glob_matches(split({"**", "*.csv"}), split({"a.csv"})));
  EXPECT_TRUE(glob_matches(split({"**", "*.csv"}), split({"y=1", "m=2", "a.csv"})));
  EXPECT_FALSE(glob_matches(split({"**", "*.csv"}), split({"y=1", "a.json"})));
  EXPECT_TRUE(glob_matches(split({"y=*", "**", "*.csv"}), split({"y=1", "m=2", "a.csv"})));
  EXPECT_FALSE(glob_matches(split({"y=*", "**", "*.csv"}), split({"m=2", "a.csv"})));
  EXPECT_TRUE(glob_matches(split({"**"}), split({"a", "b"})));
}

JobSpec job_with(InputSpec input, std::vector<std::string> filters,
                 std::vector<ColumnRule> rules = {}) {
  JobSpec spec;
  spec.source_file = "job.yaml";
  spec.input = std::move(input);
  for (std::string& filter : filters) {
    StepSpec step;
    step.kind = StepKind::kFilter;
    step.expr = std::move(filter);
    spec.steps.push_back(std::move(step));
  }
  if (!rules.empty()) {
    spec.schema.emplace();
    spec.schema->columns = std::move(rules);
  }
  return spec;
}

ColumnRule rule(std::string name, std::string type) {
  ColumnRule column;
  column.name = std::move(name);
  column.type = std::move(type);
  return column;
}

TEST(HivePrune, ConjunctsOnPartitionColumnsRuleFilesOut) {
  const InputSpec input = decided({{"year", "int64"}, {"city", "string"}});
  const std::vector<Values> files = {
      {"2019", "a"}, {"2020", "a"}, {"2021", "b"}, {std::nullopt, "a"}, {"2020", std::nullopt}};
  // year typed by the schema (as apply_hive_partitioning adds it); city text.
  const JobSpec spec =
      job_with(input, {"year >= 2020 AND amount > 3 AND city <> 'b'"}, {rule("year", "int64")});
  std::vector<std::string> used;
  EXPECT_EQ(hive_files_ruled_out(spec, files, &used),
            (std::vector<bool>{true, false, true, true, false}));
  EXPECT_EQ(used.size(), 1u);
}

TEST(HivePrune, UntypedKeysCompareAsTextAndNullReadsAsEmpty) {
  const InputSpec input = decided({{"year", "int64"}});
  const std::vector<Values> files = {{"2019"}, {"2020"}, {std::nullopt}};
  // Not typed (no schema rule): the pipeline compares text; NULL is ''.
  EXPECT_EQ(hive_files_ruled_out(job_with(input, {"year = '2020'"}), files),
            (std::vector<bool>{true, false, true}));
  EXPECT_EQ(hive_files_ruled_out(job_with(input, {"year = ''"}), files),
            (std::vector<bool>{true, true, false}));
}

TEST(HivePrune, OnlyLeadingFiltersOverPartitionColumnsAlonePrune) {
  const InputSpec input = decided({{"year", "int64"}});
  const std::vector<Values> files = {{"2019"}, {"2020"}};
  const std::vector<ColumnRule> typed = {rule("year", "int64")};
  // A conjunct reading a file column, an OR with one: nothing pruned.
  EXPECT_EQ(hive_files_ruled_out(job_with(input, {"year = 2020 OR amount > 1"}, typed), files),
            (std::vector<bool>{false, false}));
  // A filter after a derive: not used.
  JobSpec after = job_with(input, {"year = 2020"}, typed);
  StepSpec derive;
  derive.kind = StepKind::kDerive;
  derive.exprs.push_back(NamedExpr{"year", "2019", {}});
  after.steps.insert(after.steps.begin(), derive);
  EXPECT_EQ(hive_files_ruled_out(after, files), (std::vector<bool>{false, false}));
  // Two leading filters both prune; IS NULL works on typed keys.
  EXPECT_EQ(hive_files_ruled_out(
                job_with(input, {"year IS NOT NULL", "year BETWEEN 2020 AND 2030"}, typed),
                {{"2019"}, {"2020"}, {std::nullopt}}),
            (std::vector<bool>{true, false, true}));
}

TEST(HivePartitions, DiscoversKeysAndTypesAndRefusesMismatchedLayouts) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("hive_layout_" + std::to_string(::getpid()));
  std::filesystem::create_directories(root);
  JobSpec spec = job_with(InputSpec{}, {});
  spec.input.paths = {root.string()};
  const auto files = [&](std::vector<std::string> relative) {
    std::vector<InputFile> out;
    for (const std::string& path : relative) out.push_back(InputFile{root.string() + path, 1, 0});
    return out;
  };
  auto layout = discover_hive_layout(
      spec, files({"/y=2020/c=007/raw/a.csv", "/y=2021/c=8/b.csv", "/y=/c=9/c.csv"}),
      root.string());
  ASSERT_TRUE(layout.is_ok()) << layout.status().message();
  ASSERT_TRUE(layout.value().has_value());
  EXPECT_EQ(layout.value()->keys, (std::vector<std::string>{"y", "c"}));
  EXPECT_EQ(layout.value()->types, (std::vector<std::string>{"int64", "string"}));
  EXPECT_EQ(layout.value()->values[2], (Values{std::nullopt, "9"}));
  // Auto: no key=value directory below the root is no partitioning.
  auto plain = discover_hive_layout(spec, files({"/a.csv"}), root.string());
  ASSERT_TRUE(plain.is_ok());
  EXPECT_FALSE(plain.value().has_value());
  spec.input.hive_partitioning = true;
  EXPECT_FALSE(discover_hive_layout(spec, files({"/a.csv"}), root.string()).is_ok());
  // Keys in another order: an error naming both files.
  auto mixed =
      discover_hive_layout(spec, files({"/y=1/c=2/a.csv", "/c=2/y=1/b.csv"}), root.string());
  ASSERT_FALSE(mixed.is_ok());
  EXPECT_NE(mixed.status().message().find("/c=2/y=1/b.csv has c, y"), std::string::npos)
      << mixed.status().message();
  // A value that is not of its given type names the file.
  spec.input.hive_types = {{"c", "int64"}};
  auto typed =
      discover_hive_layout(spec, files({"/y=1/c=2/a.csv", "/y=1/c=x/b.csv"}), root.string());
  ASSERT_FALSE(typed.is_ok());
  EXPECT_NE(typed.status().message().find("'x' does not read as int64"), std::string::npos)
      << typed.status().message();
  std::filesystem::remove_all(root);
}

TEST(HivePrune, ParquetPushdownStaysOnWhenTheSchemaOnlyTypesPartitionKeys) {
  JobSpec spec = job_with(decided({{"year", "int64"}}), {"plate = 'X'"}, {rule("year", "int64")});
  EXPECT_TRUE(static_cast<bool>(parquet::row_group_pruner(spec)));
  spec.schema->columns.push_back(rule("amount", "int64"));  // could reject rows: off
  EXPECT_FALSE(static_cast<bool>(parquet::row_group_pruner(spec)));
}

TEST(HiveReader, AppendsPartitionValuesAfterTheProjectedFileColumns) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hive_reader_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "f.csv").string();
  std::ofstream(path) << "a,city,b\n1,inside,x\n2,inside,y\n";
  JobSpec spec = job_with(decided({{"year", "int64"}, {"city", "string"}}), {});
  spec.input.max_record_size_bytes = 1 << 20;
  auto source = FileSource::open(path);
  ASSERT_TRUE(source.is_ok());
  ByteRange range;
  range.end_offset = source.value()->size_bytes();
  // Columns: a, city (the path's value wins), b, year. Read a, city, year.
  auto reader =
      open_hive_record_reader(spec, *source.value(), {"a", "city", "b"}, {"2020", std::nullopt},
                              range, std::vector<size_t>{0, 1, 3});
  RecordBatch batch;
  std::vector<RejectedRecord> rejects;
  std::vector<std::string> seen;
  while (true) {
    auto more = reader->next(batch, rejects);
    ASSERT_TRUE(more.is_ok()) << more.status().message();
    ASSERT_EQ(batch.column_count, 3u);
    for (size_t row = 0; row < batch.row_count; ++row) {
      EXPECT_EQ(batch.field(row, 1).data(), nullptr);  // NULL: no data
      seen.push_back(std::string(batch.field(row, 0)) + "|" + std::string(batch.field(row, 2)));
    }
    batch.clear();
    if (!more.value()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1|2020", "2|2020"}));
  EXPECT_TRUE(rejects.empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice
