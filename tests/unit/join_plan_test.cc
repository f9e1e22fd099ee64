// A join job cut in pieces (common/exchange/join_plan.h): the layout's key and
// kept columns, defaults, renames and clashes; the left, right and after
// specs; when a join may be a lookup and the lookup it becomes; the job
// record keeping the join's fields.
#include "common/exchange/join_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/job/job_file.h"
#include "common/spec/job_spec.h"
#include "coordinator/records.h"

namespace sluice {
namespace {

JobSpec parse(const std::string& join, const std::string& after = "") {
  const std::string yaml =
      "name: j\n"
      "input: {path: left.csv}\n"
      "schema: {columns: {k: int64}}\n"
      "steps:\n"
      "  - filter: \"k > 0\"\n"
      "  - join: " +
      join + "\n" + after + "output: {path: out}\n";
  auto spec = parse_job_spec(yaml, "job.yaml");
  EXPECT_TRUE(spec.is_ok()) << spec.status().message();
  return spec.is_ok() ? spec.value() : JobSpec();
}

TEST(JoinPlan, KeepsEveryRightColumnButTheKeysByDefault) {
  const JobSpec spec = parse("{input: {path: r.csv}, on: {k: key, s: key2}}");
  auto layout = plan_join_layout(spec, {"k", "s", "a"}, {"x", "key2", "key", "y"});
  ASSERT_TRUE(layout.is_ok()) << layout.status().message();
  EXPECT_EQ(layout->left_keys, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(layout->right_keys, (std::vector<size_t>{2, 1}));
  EXPECT_EQ(layout->right_kept, (std::vector<size_t>{0, 3}));
  EXPECT_EQ(layout->columns, (std::vector<std::string>{"k", "s", "a", "x", "y"}));
}

TEST(JoinPlan, RenamesKeptColumnsAndRefusesClashes) {
  const JobSpec renamed = parse("{input: {path: r.csv}, on: {k: key}, columns: {ra: a, key: key}}");
  auto layout = plan_join_layout(renamed, {"k", "a"}, {"key", "a"});
  ASSERT_TRUE(layout.is_ok()) << layout.status().message();
  EXPECT_EQ(layout->columns, (std::vector<std::string>{"k", "a", "ra", "key"}));
  EXPECT_EQ(layout->right_kept, (std::vector<size_t>{1, 0}));

  const JobSpec clash = parse("{input: {path: r.csv}, on: {k: key}}");
  auto refused = plan_join_layout(clash, {"k", "a"}, {"key", "a"});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("which the rows already have"), std::string::npos);
  EXPECT_NE(refused.status().message().find("job.yaml:6"), std::string::npos)
      << refused.status().message();
}

TEST(JoinPlan, SemiAndAntiKeepTheLeftColumnsOnly) {
  for (const char* how : {"semi", "anti"}) {
    const JobSpec spec =
        parse(std::string("{input: {path: r.csv}, on: {k: key}, how: ") + how + "}");
    auto layout = plan_join_layout(spec, {"k", "a"}, {"key", "b"});
    ASSERT_TRUE(layout.is_ok());
    EXPECT_EQ(layout->columns, (std::vector<std::string>{"k", "a"}));
    EXPECT_TRUE(layout->right_kept.empty());
  }
}

TEST(JoinPlan, CutsTheJobIntoItsSides) {
  const JobSpec spec = parse(
      "{input: {path: r.csv, null_values: [NA], schema: {columns: {b: int64}}}, on: {k: key}}",
      "  - drop: [b]\n");
  const JobSpec left = join_left_spec(spec);
  ASSERT_EQ(left.steps.size(), 1u);
  EXPECT_EQ(left.steps[0].kind, StepKind::kFilter);
  EXPECT_TRUE(left.schema.has_value());
  const JobSpec right = join_right_spec(spec);
  EXPECT_TRUE(right.steps.empty());
  EXPECT_EQ(right.input.paths, (std::vector<std::string>{"r.csv"}));
  EXPECT_EQ(right.input.null_values, (std::vector<std::string>{"NA"}));
  ASSERT_TRUE(right.schema.has_value());
  EXPECT_EQ(right.schema->columns.at(0).name, "b");
  const JobSpec after = join_after_spec(spec);
  ASSERT_EQ(after.steps.size(), 1u);
  EXPECT_EQ(after.steps[0].kind, StepKind::kDrop);
  EXPECT_FALSE(after.schema.has_value());
  EXPECT_EQ(after.input.null_values, (std::vector<std::string>{""}));
}

TEST(JoinPlan, OnlyALeftJoinOfOnePlainFileMayBeALookup) {
  EXPECT_FALSE(join_not_broadcastable(parse("{input: {path: r.csv}, on: {k: key}, how: left}")));
  EXPECT_TRUE(join_not_broadcastable(parse("{input: {path: r.csv}, on: {k: key}}")));  // inner
  EXPECT_TRUE(
      join_not_broadcastable(parse("{input: {path: r.csv}, on: {k: key, a: b}, how: left}")));
  EXPECT_TRUE(join_not_broadcastable(
      parse("{input: {path: r.csv, null_values: [NA]}, on: {k: key}, how: left}")));
  EXPECT_TRUE(join_not_broadcastable(
      parse("{input: {path: r.csv}, on: {k: key}, how: left, columns: {x: b}}")));
  EXPECT_TRUE(join_not_broadcastable(
      parse("{input: {path: r.csv}, on: {k: key}, how: left, broadcast_max: 0}")));

  const JobSpec lookup =
      join_as_lookup(parse("{input: {path: r.csv}, on: {k: key}, how: left}"), {"key", "b", "c"});
  ASSERT_EQ(lookup.steps.size(), 2u);
  EXPECT_EQ(lookup.steps[1].kind, StepKind::kLookup);
  EXPECT_EQ(lookup.steps[1].lookup.path, "r.csv");
  EXPECT_EQ(lookup.steps[1].lookup.left, "k");
  EXPECT_EQ(lookup.steps[1].lookup.right, "key");
  EXPECT_EQ(lookup.steps[1].lookup.columns, (std::vector<std::string>{"b", "c"}));
  EXPECT_FALSE(lookup.steps[1].lookup.first_duplicate_wins);
}

TEST(JoinPlan, JobRecordKeepsTheJoinsFields) {
  JobRecord job;
  job.id = "j";
  job.has_aggregate = true;
  job.map_tasks = 5;
  job.map_tasks_right = 2;
  job.right_inputs_from = 1;
  job.join_right_columns = {"key", "b"};
  job.join_broadcast = true;
  auto decoded = decode_job(encode_job(job));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  EXPECT_EQ(decoded->map_tasks_right, 2u);
  EXPECT_EQ(decoded->right_inputs_from, 1u);
  EXPECT_EQ(decoded->join_right_columns, job.join_right_columns);
  EXPECT_TRUE(decoded->join_broadcast);
  auto plain = decode_job(encode_job(JobRecord{}));
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(plain->map_tasks_right, 0u);
  EXPECT_FALSE(plain->join_broadcast);
}

}  // namespace
}  // namespace sluice
