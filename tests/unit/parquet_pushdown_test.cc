// Predicate pushdown (common/parquet/pushdown.h) on row groups whose
// statistics are set by hand: which filters may skip a group, and that a
// group is never skipped when a row of it could pass.
#include <gtest/gtest.h>

#include <cstring>

#include "common/parquet/pushdown.h"

namespace sluice::parquet {
namespace {

JobSpec job_with_filters(const std::vector<std::string>& filters) {
  JobSpec spec;
  for (const std::string& filter : filters) {
    StepSpec step;
    step.kind = StepKind::kFilter;
    step.expr = filter;
    spec.steps.push_back(step);
  }
  return spec;
}

std::string int64_bytes(int64_t value) {
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &value, 8);
  return bytes;
}

// Columns: state (string, optional), code (INT64, optional), day (DATE).
FileInfo file_info() {
  FileInfo info;
  ColumnInfo state;
  state.name = "state";
  state.physical = Physical::kByteArray;
  state.optional = true;
  ColumnInfo code;
  code.name = "code";
  code.physical = Physical::kInt64;
  code.kind = ValueKind::kSigned;
  code.optional = true;
  info.columns = {state, code};
  return info;
}

RowGroupInfo group(const std::string& low, const std::string& high, int64_t nulls, int64_t code_low,
                   int64_t code_high) {
  RowGroupInfo group;
  ChunkInfo state;
  state.statistics = {true, true, low, high, nulls};
  ChunkInfo code;
  code.statistics = {true, true, int64_bytes(code_low), int64_bytes(code_high), 0};
  group.chunks = {state, code};
  return group;
}

bool skips(const std::vector<std::string>& filters, const RowGroupInfo& row_group) {
  const RowGroupPredicate pruner = row_group_pruner(job_with_filters(filters));
  return pruner && pruner(file_info(), row_group);
}

TEST(ParquetPushdown, StringComparisonsAgainstMinAndMax) {
  const RowGroupInfo ct_to_nj = group("CT", "NJ", 0, 1, 99);
  EXPECT_TRUE(skips({"state = 'NY'"}, ct_to_nj));
  EXPECT_TRUE(skips({"'NY' = state"}, ct_to_nj));
  EXPECT_FALSE(skips({"state = 'MA'"}, ct_to_nj));
  EXPECT_TRUE(skips({"state < 'CT'"}, ct_to_nj));
  EXPECT_FALSE(skips({"state <= 'CT'"}, ct_to_nj));
  EXPECT_TRUE(skips({"state > 'NJ'"}, ct_to_nj));
  EXPECT_FALSE(skips({"state >= 'NJ'"}, ct_to_nj));
  EXPECT_TRUE(skips({"state <> 'NJ'"}, group("NJ", "NJ", 0, 1, 1)));
  EXPECT_FALSE(skips({"state <> 'NJ'"}, ct_to_nj));
}

TEST(ParquetPushdown, NullsReadAsTheEmptyStringWidenTheRange) {
  // A NULL is '' to an untyped column: '' < 'B' holds for it.
  EXPECT_FALSE(skips({"state < 'B'"}, group("CT", "NJ", 3, 1, 99)));
  EXPECT_FALSE(skips({"state < 'B'"}, group("CT", "NJ", -1, 1, 99)));  // count unknown
  EXPECT_TRUE(skips({"state < 'B'"}, group("CT", "NJ", 0, 1, 99)));
  EXPECT_TRUE(skips({"state = 'NY'"}, group("CT", "NJ", 3, 1, 99)));
}

TEST(ParquetPushdown, IntegersOnlyByEqualityWithTheirExactText) {
  const RowGroupInfo codes = group("A", "Z", 0, 10, 40);
  EXPECT_TRUE(skips({"code = '41'"}, codes));
  EXPECT_TRUE(skips({"code = '-3'"}, codes));
  EXPECT_FALSE(skips({"code = '21'"}, codes));
  // Text order is not value order, and '021' is no value's text: not pushed.
  EXPECT_FALSE(skips({"code < '5'"}, codes));
  EXPECT_FALSE(skips({"code = '041'"}, codes));
}

TEST(ParquetPushdown, ConjunctsOfLeadingFiltersOnly) {
  const RowGroupInfo ct_to_nj = group("CT", "NJ", 0, 10, 40);
  EXPECT_TRUE(skips({"state = 'MA' AND code = '99'"}, ct_to_nj));
  EXPECT_TRUE(skips({"code = '20'", "state = 'PA'"}, ct_to_nj));
  EXPECT_FALSE(skips({"state = 'NY' OR code = '20'"}, ct_to_nj));
  EXPECT_FALSE(skips({"upper(state) = 'NY'"}, ct_to_nj));
  // After another step the column may be another one: nothing is pushed.
  JobSpec spec = job_with_filters({"code = '20'"});
  StepSpec derive;
  derive.kind = StepKind::kDerive;
  spec.steps.insert(spec.steps.begin(), derive);
  spec.steps.push_back(job_with_filters({"state = 'NY'"}).steps[0]);
  EXPECT_FALSE(static_cast<bool>(row_group_pruner(spec)));
}

TEST(ParquetPushdown, NothingWithASchemaOrWithoutStatistics) {
  JobSpec spec = job_with_filters({"state = 'NY'"});
  spec.schema = SchemaSpec{};
  EXPECT_FALSE(static_cast<bool>(row_group_pruner(spec)));
  RowGroupInfo unknown = group("CT", "NJ", 0, 1, 2);
  unknown.chunks[0].statistics.has_max = false;
  EXPECT_FALSE(skips({"state = 'NY'"}, unknown));
}

}  // namespace
}  // namespace sluice::parquet
