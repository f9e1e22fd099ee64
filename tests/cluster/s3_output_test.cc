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

#include "common/s3/client.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/s3_server.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;
using Objects = std::map<std::string, std::string>;  // name under the output -> bytes

class S3Output : public ::testing::Test {
 protected:
  void start(S3Faults faults = {}) {
    server_ = std::make_unique<S3Server>(dir_ / "s3", faults);
    if (!server_->started()) GTEST_SKIP() << "skipped: " << server_->error();
    S3Options options;
    options.endpoint = server_->direct_endpoint();  // the test's own requests never fail
    options.credentials_file = server_->credentials_file();
    auto settings = resolve_s3_settings(options);
    ASSERT_TRUE(settings.is_ok());
    auto client = S3Client::create(*settings);
    ASSERT_TRUE(client.is_ok()) << client.status().message();
    client_ = std::move(client).value();
    // 20,000 rows and one that is rejected (too few fields), in 256 KiB partitions.
    auto generated = run({sluice_binary(), "gen", "parking", "--rows", "20000", "--seed", "17",
                          "--out", dir_ / "parking.csv"});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    write_file(dir_ / "parking.csv", read_file(dir_ / "parking.csv") + "short,row\n");
    auto put =
        client_->put(S3Location{kS3TestBucket, "in/parking.csv"}, read_file(dir_ / "parking.csv"));
    ASSERT_TRUE(put.is_ok()) << put.status().message();
  }

  std::string url(const std::string& key) const {
    return std::string("s3://") + kS3TestBucket + "/" + key;
  }

  // The job: New York plates' three columns, in `format`, from `input` to `output`.
  std::string job(const std::string& input, const std::string& output,
                  const std::string& format = "csv", const std::string& extra = "") const {
    const std::string s3 = server_->job_options("  ");
    return "name: s3-output\ninput:\n  path: " + input + "\n  split_size: 256KiB\n" +
           (input.rfind("s3://", 0) == 0 ? s3 : "") +
           "steps:\n  - filter: \"\\\"Registration State\\\" = 'NY'\"\n"
           "  - select: {plate: \"\\\"Plate ID\\\"\", make: \"\\\"Vehicle Make\\\"\", "
           "county: \"\\\"Violation County\\\"\"}\n" +
           extra + "output:\n  path: " + output + "\n  format: " + format + "\n" +
           (output.rfind("s3://", 0) == 0 ? s3 : "") + "rejects:\n  max_ratio: 0.01\n";
  }

  CommandResult run_job(const std::string& name, const std::string& text,
                        const std::string& crash_at = "") {
    write_file(dir_ / name, text);
    std::vector<std::string> command;
    if (!crash_at.empty()) command = {"env", "SLUICE_CRASH_AT=" + crash_at};
    const std::vector<std::string> args = {
        sluice_binary(),          "run",          dir_ / name, "--workers", "2", "--state",
        dir_ / ("state-" + name), "--no-progress"};
    command.insert(command.end(), args.begin(), args.end());
    return run(command, dir_.path());
  }

  // Every object under `prefix`/ (the listing proves there is no other).
  Objects s3_objects(const std::string& prefix) {
    Objects objects;
    auto listed = client_->list(kS3TestBucket, prefix + "/");
    EXPECT_TRUE(listed.is_ok()) << listed.status().message();
    if (!listed.is_ok()) return objects;
    for (const S3Object& object : *listed) {
      auto body = client_->get_object(S3Location{kS3TestBucket, object.key});
      EXPECT_TRUE(body.is_ok()) << body.status().message();
      objects[object.key.substr(prefix.size() + 1)] = body.is_ok() ? *body : "";
    }
    return objects;
  }

  Objects local_files(const std::string& dir) {
    Objects files;
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / dir)) {
      if (!entry.is_regular_file()) continue;
      files[fs::relative(entry.path(), dir_ / dir).string()] = read_file(entry.path());
    }
    return files;
  }

  // The S3 output is the local one: the same objects with the same bytes,
  // the manifests listing the same parts and rejects; verify passes.
  void expect_same_output(const std::string& local_dir, const std::string& prefix) {
    Objects local = local_files(local_dir);
    Objects s3 = s3_objects(prefix);
    ASSERT_TRUE(s3.count("_MANIFEST.json")) << "no manifest under " << prefix;
    const nlohmann::json local_manifest = nlohmann::json::parse(local["_MANIFEST.json"]);
    const nlohmann::json s3_manifest = nlohmann::json::parse(s3["_MANIFEST.json"]);
    for (const char* list : {"parts", "rows_in", "rows_out", "rows_rejected"}) {
      EXPECT_EQ(local_manifest.at(list), s3_manifest.at(list)) << list;
    }
    // A rejects file names its input (the local path or the s3:// URL).
    ASSERT_EQ(local_manifest.at("rejects").size(), s3_manifest.at("rejects").size());
    for (size_t i = 0; i < local_manifest.at("rejects").size(); ++i) {
      EXPECT_EQ(local_manifest.at("rejects")[i].at("file"),
                s3_manifest.at("rejects")[i].at("file"));
      EXPECT_EQ(local_manifest.at("rejects")[i].at("rows"),
                s3_manifest.at("rejects")[i].at("rows"));
    }
    for (auto& [name, bytes] : local) {
      if (name.rfind("_rejects/", 0) != 0) continue;
      const std::string path = dir_ / "parking.csv";
      if (s3[name].find(url("in/parking.csv")) != std::string::npos) {
        bytes.replace(bytes.find(path), path.size(), url("in/parking.csv"));
      }
    }
    local.erase("_MANIFEST.json");
    s3.erase("_MANIFEST.json");
    std::vector<std::string> local_names, s3_names;
    for (const auto& [name, bytes] : local) local_names.push_back(name);
    for (const auto& [name, bytes] : s3) s3_names.push_back(name);
    ASSERT_EQ(local_names, s3_names) << "objects missing or extra under " << prefix;
    for (const auto& [name, bytes] : local) EXPECT_EQ(bytes, s3[name]) << name;
    auto verified = run({"env", "AWS_ENDPOINT_URL=" + server_->endpoint(),
                         "AWS_SHARED_CREDENTIALS_FILE=" + server_->credentials_file(),
                         sluice_binary(), "verify", url(prefix)});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  }

  TempDir dir_;
  std::unique_ptr<S3Server> server_;
  std::unique_ptr<S3Client> client_;
};

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
  auto aggregate =
      run_job("agg.yaml", job("parking.csv", url("out/agg"), "csv",
                              "  - aggregate: {by: [make], aggs: {n: \"count(*)\"}}\n"));
  EXPECT_NE(aggregate.exit_code, 0);
  EXPECT_NE(aggregate.err.find("cannot be combined with an aggregate"), std::string::npos)
      << aggregate.err;
  EXPECT_TRUE(s3_objects("out/agg").empty());
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
  write_file(dir_ / "s3.yaml", job("parking.csv", url("out/killed")));
  CoordinatorProcess coordinator(dir_);
  ASSERT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
  const std::string endpoint = coordinator.endpoint();
  // The victim kills itself (SIGKILL) once it has uploaded its second part:
  // an upload under the prefix that no Done reports.
  Process victim({"env", "SLUICE_CRASH_AT=s3-part-uploaded:2", sluice_binary(), "worker",
                  "--coordinator", endpoint, "--slots", "1"},
                 dir_ / "victim.log");
  auto submitted =
      run({sluice_binary(), "submit", dir_ / "s3.yaml", "--coordinator", endpoint}, dir_.path());
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  for (int i = 0; i < 300 && victim.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (victim.running()) {
    victim.signal(SIGKILL);
    ADD_FAILURE() << "the victim never uploaded twice: " << read_file(dir_ / "victim.log");
  }
  EXPECT_EQ(victim.wait(), 128 + SIGKILL) << read_file(dir_ / "victim.log");
  Process survivor({sluice_binary(), "worker", "--coordinator", endpoint, "--slots", "2"},
                   dir_ / "survivor.log");
  auto waited =
      run({sluice_binary(), "submit", dir_ / "s3.yaml", "--coordinator", endpoint, "--wait"},
          dir_.path());
  ASSERT_EQ(waited.exit_code, 0) << waited.out << waited.err << coordinator.log();
  expect_same_output("out-local", "out/killed");
  // The victim's uploads were created and never completed: more uploads
  // than objects, yet none is visible. The job's end asked the store for
  // the prefix's uploads to abort them (s3rver does not list them: 501).
  const std::string log = server_->request_log();
  size_t creates = 0;
  for (size_t at = log.find("POST /sluice-test/out/killed/"); at != std::string::npos;
       at = log.find("POST /sluice-test/out/killed/", at + 1)) {
    creates += log.compare(log.find('?', at), 10, "?uploads= ") == 0;
  }
  size_t objects = 0;
  for (const auto& [name, bytes] : s3_objects("out/killed"))
    objects += name[0] != '_' || name.rfind("_rejects/", 0) == 0;
  EXPECT_GT(creates, objects);
  EXPECT_NE(log.find("GET /sluice-test?prefix=out%2Fkilled%2F&uploads="), std::string::npos);
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
