// s3:// outputs of the jobs whose parts the exchange writes (aggregate,
// sort, sort with a limit, join) and of output.partition_by, against a real
// s3rver on loopback (tests/support/s3_server.h): the same objects, byte
// for byte, as the same job writes to a local directory; the coordinator
// killed at the S3 steps of an aggregate resumes to the same objects; a
// worker killed with a bucket task's part uploaded and unreported leaves no
// duplicate. Small inputs, one server per test: CI time is short.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/cluster/s3_output_fixture.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

using S3ExchangeOutput = S3OutputFixture;

// Counted by make and county in 3 buckets, written by county: bucket tasks
// that each write several partition files.
const char* const kAggregateByCounty =
    "  - aggregate: {by: [make, county], aggs: {n: \"count(*)\"}}\n"
    "parallelism: 3\n";

// The job text with output.partition_by: [county].
std::string partitioned_by_county(std::string text) {
  text.replace(text.find("  format: csv\n"), 14, "  format: csv\n  partition_by: [county]\n");
  return text;
}

TEST_F(S3ExchangeOutput, AggregateSortLimitJoinAndPartitionByAreTheLocalOutput) {
  start();
  if (!client_) return;
  auto generated = run({sluice_binary(), "gen", "registrations", "--rows", "3000", "--seed", "17",
                        "--out", dir_ / "registrations.csv"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  const std::string join =
      "  - join:\n      input: {path: registrations.csv}\n      on: {plate: Plate ID}\n"
      "      how: inner\n      columns: {year: Vehicle Year, zip: Owner ZIP}\n"
      "parallelism: 2\n";
  const std::string sort =
      "  - sort: [{plate: asc}, {make: desc}, {county: asc}]\nparallelism: 2\n";
  const std::string top = "  - sort: [{plate: asc}, {make: desc}, {county: asc}]\n  - limit: 40\n";
  struct Variant {
    std::string name;
    std::string extra;
    bool partitioned;
  };
  for (const Variant& variant :
       {Variant{"agg", kAggregateByCounty, true}, Variant{"sort", sort, false},
        Variant{"top", top, false}, Variant{"join", join, false}}) {
    SCOPED_TRACE(variant.name);
    std::string local_job = job("parking.csv", "out-" + variant.name, "csv", variant.extra);
    std::string s3_job =
        job(url("in/parking.csv"), url("out/" + variant.name), "csv", variant.extra);
    if (variant.partitioned) {
      local_job = partitioned_by_county(local_job);
      s3_job = partitioned_by_county(s3_job);
    }
    auto local = run_job("local-" + variant.name + ".yaml", local_job);
    ASSERT_EQ(local.exit_code, 0) << local.err;
    auto s3 = run_job(variant.name + ".yaml", s3_job);
    ASSERT_EQ(s3.exit_code, 0) << s3.err << server_->proxy_log();
    expect_same_output("out-" + variant.name, "out/" + variant.name);
  }
  // A partitioned aggregate writes parts in several county directories.
  size_t county_parts = 0;
  for (const auto& [name, bytes] : s3_objects("out/agg")) {
    county_parts += name.rfind("county=", 0) == 0;
  }
  EXPECT_GT(county_parts, 3u);
}

TEST_F(S3ExchangeOutput, CoordinatorKilledAtTheS3StepsOfAnAggregateResumesToTheSameObjects) {
  start();
  if (!client_) return;
  auto local = run_job("local.yaml", job("parking.csv", "out-local", "csv", kAggregateByCounty));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // Before completing a bucket task's part (the 1st completion is the map
  // task's rejects), and after a bucket task's part was completed.
  for (const std::string point : {"s3-before-complete:2", "s3-completed:3"}) {
    SCOPED_TRACE(point);
    const std::string prefix = "crash/" + point.substr(0, point.find(':'));
    const std::string name = "job-" + point.substr(0, point.find(':')) + ".yaml";
    const std::string text = job("parking.csv", url(prefix), "csv", kAggregateByCounty);
    auto crashed = run_job(name, text, point);
    ASSERT_EQ(crashed.exit_code, 128 + 9) << "the crash point was not reached\n" << crashed.err;
    EXPECT_EQ(s3_objects(prefix).count("_SUCCESS"), 0u);
    auto resumed = run_job(name, text);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    expect_same_output("out-local", prefix);
  }
}

TEST_F(S3ExchangeOutput, WorkerKilledWithABucketPartUploadedLeavesNoDuplicate) {
  start();
  if (!client_) return;
  auto local = run_job("local.yaml", job("parking.csv", "out-local", "csv", kAggregateByCounty));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // Alone, the victim runs every map task (one upload: the rejects), then
  // is killed once a bucket task's part is uploaded, unreported. The
  // upload was created and never completed: more uploads than objects.
  const UploadCounts counts = run_with_a_worker_killed_after_its_second_upload(
      job("parking.csv", url("out/killed"), "csv", kAggregateByCounty), "out/killed", "out-local");
  EXPECT_GT(counts.creates, counts.objects);
}

}  // namespace
}  // namespace sluice::testing
