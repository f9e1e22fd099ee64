// s3:// outputs, exactly once, end to end against a real s3rver on loopback
// behind the signature-checking proxy (tests/support/s3_server.h): a job
// reading from and writing to S3 gives the objects the same job writes to a
// local directory (CSV with rejects, Parquet), and `sluice verify` audits
// them; the coordinator killed between the ledger commit and the upload's
// completion, after a completion and after the manifest, a worker killed
// with its upload not reported, and a server failing requests all end with
// exactly the expected objects: none missing, none extra, none twice.
// Admission refuses a prefix holding another job's output.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/cluster/s3_output_fixture.h"
#include "tests/support/coordinator_process.h"

namespace sluice::testing {
namespace {

using S3Output = S3OutputFixture;

TEST_F(S3Output, CsvAndParquetFromAndToS3AreTheLocalOutput) {
  start();
  if (!client_) return;
  for (const std::string format : {"csv", "parquet"}) {
    auto local = run_job("local-" + format + ".yaml", job("parking.csv", "out-" + format, format));
    ASSERT_EQ(local.exit_code, 0) << local.err;
    auto s3 = run_job(format + ".yaml", job(url("in/parking.csv"), url("out/" + format), format));
    ASSERT_EQ(s3.exit_code, 0) << s3.err << server_->proxy_log();
    EXPECT_GT(part_files(dir_ / ("out-" + format)).size(), 10u);
    expect_same_output("out-" + format, "out/" + format);
  }
  size_t rejects = 0;
  for (const auto& [name, bytes] : s3_objects("out/csv"))
    rejects += name.rfind("_rejects/", 0) == 0;
  EXPECT_EQ(rejects, 1u) << "the rejected row's object";

  // The prefix is the first job's: another job (or this one again from a
  // lost state) is refused before any work, and nothing under it changes.
  const Objects before = s3_objects("out/csv");
  auto other = run_job("other.yaml", job(url("in/parking.csv"), url("out/csv"), "jsonl"));
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("holds the output of job"), std::string::npos) << other.err;
  auto again = run_job("again.yaml", read_file(dir_ / "csv.yaml"));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("finished output of this same job"), std::string::npos) << again.err;
  EXPECT_EQ(s3_objects("out/csv"), before);
  // What S3 outputs cannot be combined with yet is refused, not half done.
  std::string incremental = job("parking*.csv", url("out/incremental"));
  incremental.replace(incremental.find("  split_size"), 0, "  incremental: true\n");
  auto refused = run_job("incremental.yaml", incremental);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("cannot be combined with input.incremental"), std::string::npos)
      << refused.err;
  EXPECT_TRUE(s3_objects("out/incremental").empty());
}

TEST_F(S3Output, CoordinatorKilledAtEachS3StepResumesToTheSameObjects) {
  start();
  if (!client_) return;
  auto local = run_job("local.yaml", job("parking.csv", "out-local"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // Between the ledger's commit and the upload's completion (twice: the
  // commit point and the one before completing), after a completion, after
  // the manifest (before _SUCCESS), after _SUCCESS (before the ledger's end).
  for (const std::string point : {"committed:3", "s3-before-complete:5", "s3-completed:7",
                                  "manifest-written", "finished-output"}) {
    const std::string prefix = "crash/" + point.substr(0, point.find(':'));
    const std::string name = "job-" + point.substr(0, point.find(':')) + ".yaml";
    auto crashed = run_job(name, job("parking.csv", url(prefix)), point);
    ASSERT_EQ(crashed.exit_code, 128 + 9) << point << ": the crash point was not reached\n"
                                          << crashed.err;
    if (point != "finished-output") {
      EXPECT_EQ(s3_objects(prefix).count("_SUCCESS"), 0u) << point;
    }
    auto resumed = run_job(name, job("parking.csv", url(prefix)));
    ASSERT_EQ(resumed.exit_code, 0) << point << "\n" << resumed.err;
    SCOPED_TRACE(point);
    expect_same_output("out-local", prefix);
  }
}

TEST_F(S3Output, WorkerKilledWithItsUploadUnreportedLeavesNoDuplicate) {
  start();
  if (!client_) return;
  auto local = run_job("local.yaml", job("parking.csv", "out-local"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // The victim is killed once it has uploaded its second part: an upload
  // under the prefix that no Done reports. The victim's uploads were
  // created and never completed: more uploads than objects, yet none is
  // visible. The job's end asked the store for the prefix's uploads to
  // abort them (s3rver does not list them: 501).
  const UploadCounts counts = run_with_a_worker_killed_after_its_second_upload(
      job("parking.csv", url("out/killed")), "out/killed", "out-local");
  EXPECT_GT(counts.creates, counts.objects);
  EXPECT_NE(server_->request_log().find("GET /sluice-test?prefix=out%2Fkilled%2F&uploads="),
            std::string::npos);
}

TEST_F(S3Output, ServerFailingRequestsStillPublishesExactlyOnce) {
  // Every 7th request answered 503, every 11th connection dropped: the
  // client's retries, and attempts failed and run again, still give the
  // objects once each (a completion retried after it took effect included).
  S3Faults faults;
  faults.fail_every = 7;
  faults.drop_every = 11;
  start(faults);
  if (!client_) return;
  auto local = run_job("local.yaml", job("parking.csv", "out-local"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto s3 = run_job("s3.yaml", job("parking.csv", url("out/faults")));
  ASSERT_EQ(s3.exit_code, 0) << s3.err << server_->proxy_log();
  expect_same_output("out-local", "out/faults");
  EXPECT_NE(server_->request_log().find(" 503"), std::string::npos) << "no request failed";
}

}  // namespace
}  // namespace sluice::testing
