// s3:// inputs end to end through `sluice run` against a real s3rver on
// loopback behind the signature-checking proxy (tests/support/s3_server.h):
// CSV, JSON Lines and Parquet read from S3 give the parts the same job gives
// over the local files, a changed object fails the job naming it, and a
// server that fails and drops requests still gives the same output.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "common/s3/client.h"
#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/support/s3_server.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class S3Inputs : public ::testing::Test {
 protected:
  void start(S3Faults faults = {}) {
    server_ = std::make_unique<S3Server>(dir_ / "s3", faults);
    if (!server_->started()) GTEST_SKIP() << "skipped: " << server_->error();
    auto client = server_->client(/*direct=*/true);  // the test's own requests never fail
    ASSERT_TRUE(client.is_ok()) << client.status().message();
    client_ = std::move(client).value();
  }

  void upload(const std::string& local, const std::string& key) {
    auto put = client_->put(S3Location{kS3TestBucket, key}, read_file(local));
    ASSERT_TRUE(put.is_ok()) << put.status().message();
  }

  std::string url(const std::string& key) const {
    return std::string("s3://") + kS3TestBucket + "/" + key;
  }

  // `job` with the server's `s3:` block added to its input section.
  std::string with_s3(std::string job) const {
    const std::string input = "input:\n";
    job.insert(job.find(input) + input.size(), server_->job_options("  "));
    return job;
  }

  CommandResult run_job(const std::string& name, const std::string& text, int workers = 2) {
    write_file(dir_ / name, text);
    return run({sluice_binary(), "run", dir_ / name, "--workers", std::to_string(workers),
                "--state", dir_ / ("state-" + name), "--no-progress"},
               dir_.path());
  }

  void generate(const std::string& path, uint64_t rows, uint64_t seed) {
    auto result = run({sluice_binary(), "gen", "parking", "--rows", std::to_string(rows), "--seed",
                       std::to_string(seed), "--out", path});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  void expect_same_parts(const std::string& a, const std::string& b) {
    const auto parts = part_files(dir_ / a);
    EXPECT_FALSE(parts.empty());
    EXPECT_EQ(parts, part_files(dir_ / b));
    for (const std::string& part : parts) {
      EXPECT_EQ(read_file(dir_ / (a + "/" + part)), read_file(dir_ / (b + "/" + part))) << part;
    }
    auto verified = run({sluice_binary(), "verify", dir_ / b});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  }

  size_t count(const std::string& text, const std::string& needle) {
    size_t found = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      found++;
    }
    return found;
  }

  TempDir dir_;
  std::unique_ptr<S3Server> server_;
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3Inputs, CsvJsonlAndParquetFromS3GiveTheLocalParts) {
  start();
  if (!client_) return;
  fs::create_directories(dir_ / "data");
  generate(dir_ / "data/a.csv", 8000, 5);
  generate(dir_ / "data/b.csv", 6000, 6);
  upload(dir_ / "data/a.csv", "data/a.csv");
  upload(dir_ / "data/b.csv", "data/b.csv");
  // CSV: a glob over two objects, in 64 KiB partitions.
  auto local = run_job("local.yaml", w1_job("data/*.csv", "out-local/", "64KiB"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto s3 = run_job("s3.yaml", with_s3(w1_job(url("data/*.csv"), "out-s3/", "64KiB")));
  ASSERT_EQ(s3.exit_code, 0) << s3.err << server_->proxy_log();
  EXPECT_GT(part_files(dir_ / "out-s3").size(), 20u);
  expect_same_parts("out-local", "out-s3");
  EXPECT_NE(read_file(dir_ / "out-s3/_MANIFEST.json").find(url("data/a.csv")), std::string::npos);

  // JSON Lines, split anywhere.
  std::string jsonl;
  for (int i = 0; i < 2000; ++i) {
    jsonl += "{\"id\": " + std::to_string(i) + ", \"name\": \"n" + std::to_string(i % 37) +
             "\", \"tags\": [" + std::to_string(i % 3) + "]}\n";
  }
  write_file(dir_ / "data/in.jsonl", jsonl);
  upload(dir_ / "data/in.jsonl", "json/in.jsonl");
  const auto jsonl_job = [](const std::string& input, const std::string& out) {
    return "name: jsonl\ninput:\n  path: " + input +
           "\n  format: jsonl\n  split_size: 2KiB\nsteps:\n  - filter: \"name <> 'n3'\"\n"
           "output:\n  path: " +
           out + "\n";
  };
  auto jsonl_local = run_job("jl.yaml", jsonl_job("data/in.jsonl", "out-jl-local/"));
  ASSERT_EQ(jsonl_local.exit_code, 0) << jsonl_local.err;
  auto jsonl_s3 = run_job("js.yaml", with_s3(jsonl_job(url("json/in.jsonl"), "out-jl-s3/")));
  ASSERT_EQ(jsonl_s3.exit_code, 0) << jsonl_s3.err;
  expect_same_parts("out-jl-local", "out-jl-s3");

  // Parquet: sluice writes one from a.csv, read back from disk and from S3.
  auto written = run_job("pq.yaml",
                         "name: pq\ninput:\n  path: data/a.csv\n  split_size: 64MiB\n"
                         "output:\n  path: pq/\n  format: parquet\n");
  ASSERT_EQ(written.exit_code, 0) << written.err;
  upload(dir_ / "pq/part-00000.parquet", "pq/part-00000.parquet");
  const auto parquet_job = [](const std::string& input, const std::string& out) {
    return "name: pqread\ninput:\n  path: " + input +
           "\n  format: parquet\n  split_size: 1MiB\nsteps:\n"
           "  - filter: \"\\\"Registration State\\\" = 'NY'\"\noutput:\n  path: " +
           out + "\n";
  };
  auto pq_local = run_job("pl.yaml", parquet_job("pq/part-00000.parquet", "out-pq-local/"));
  ASSERT_EQ(pq_local.exit_code, 0) << pq_local.err;
  auto pq_s3 = run_job("ps.yaml", with_s3(parquet_job(url("pq/*.parquet"), "out-pq-s3/")));
  ASSERT_EQ(pq_s3.exit_code, 0) << pq_s3.err;
  expect_same_parts("out-pq-local", "out-pq-s3");

  // Reads are ranged and every request's signature checked.
  const std::string log = server_->request_log();
  EXPECT_GT(count(log, " 206\n"), part_files(dir_ / "out-s3").size());
  EXPECT_EQ(count(log, " 403\n"), 0u) << server_->proxy_log();
}

TEST_F(S3Inputs, FailingAndDroppedRequestsStillGiveTheSameOutput) {
  S3Faults faults;
  faults.fail_every = 4;  // every 4th request: 503 SlowDown
  faults.drop_every = 9;  // every 9th: the connection closed unanswered
  start(faults);
  if (!client_) return;
  fs::create_directories(dir_ / "data");
  generate(dir_ / "data/a.csv", 6000, 8);
  upload(dir_ / "data/a.csv", "data/a.csv");
  auto local = run_job("local.yaml", w1_job("data/a.csv", "out-local/", "32KiB"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto s3 = run_job("s3.yaml", with_s3(w1_job(url("data/a.csv"), "out-s3/", "32KiB")));
  ASSERT_EQ(s3.exit_code, 0) << s3.err;
  expect_same_parts("out-local", "out-s3");
  const std::string log = server_->request_log();
  EXPECT_GT(count(log, " 503\n"), 5u);
  EXPECT_GT(count(log, " dropped\n"), 2u);
}

TEST_F(S3Inputs, AChangedObjectFailsTheJobNamingIt) {
  start();
  if (!client_) return;
  generate(dir_ / "a.csv", 20000, 3);
  upload(dir_ / "a.csv", "changing/a.csv");
  const std::string job = dir_ / "slow.yaml";
  write_file(job, with_s3(passthrough_job(url("changing/a.csv"), "out/", "4KiB")));
  Process running(
      {sluice_binary(), "run", job, "--workers", "1", "--state", dir_ / "state", "--no-progress"},
      dir_ / "run.log", dir_.path());
  // Rewrite the object (same size, other bytes) once the first part is out
  // (waiting up to 2 minutes: a loaded machine starts the job slowly).
  bool changed = false;
  for (int i = 0; i < 6000 && running.running(); ++i) {
    if (fs::exists(dir_ / "out/part-00001.csv")) {
      std::string text = read_file(dir_ / "a.csv");
      text[text.size() - 2] = text[text.size() - 2] == 'x' ? 'y' : 'x';
      auto put = client_->put(S3Location{kS3TestBucket, "changing/a.csv"}, text);
      ASSERT_TRUE(put.is_ok()) << put.status().message();
      changed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(changed) << "the job ended before the object could be changed: "
                       << read_file(dir_ / "run.log");
  const int exit_code = running.wait();
  const std::string log = read_file(dir_ / "run.log");
  EXPECT_EQ(exit_code, 1) << log;
  EXPECT_NE(log.find(url("changing/a.csv")), std::string::npos) << log;
  EXPECT_NE(log.find("changed while the job ran"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir_ / "out/_SUCCESS"));
  EXPECT_FALSE(fs::exists(dir_ / "out/_MANIFEST.json"));
}

// `sluice verify s3://bucket/prefix` audits a copy of an output in S3 as
// it audits the directory: exact when whole, a changed part and a stray
// part found.
TEST_F(S3Inputs, VerifyAuditsACopyOfAnOutputInS3) {
  start();
  if (!client_) return;
  generate(dir_ / "a.csv", 4000, 12);
  auto local = run_job("local.yaml", w1_job("a.csv", "out/", "32KiB"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "out")) {
    if (!entry.is_regular_file()) continue;
    upload(entry.path().string(), "copy/" + fs::relative(entry.path(), dir_ / "out").string());
  }
  const std::vector<std::string> env = {"env", "AWS_ENDPOINT_URL=" + server_->endpoint(),
                                        "AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER"};
  auto verify = [&](const std::string& prefix) {
    std::vector<std::string> argv = env;
    argv.insert(argv.end(), {sluice_binary(), "verify", url(prefix)});
    return run(argv);
  };
  auto whole = verify("copy");
  EXPECT_EQ(whole.exit_code, 0) << whole.out << whole.err;
  EXPECT_NE(whole.out.find("verified " + url("copy")), std::string::npos) << whole.out;
  const auto parts = part_files(dir_ / "out");
  ASSERT_GT(parts.size(), 2u);
  std::string changed = read_file(dir_ / ("out/" + parts[1]));
  changed[changed.size() - 2] = changed[changed.size() - 2] == 'x' ? 'y' : 'x';
  ASSERT_TRUE(client_->put(S3Location{kS3TestBucket, "copy/" + parts[1]}, changed).is_ok());
  ASSERT_TRUE(client_->put(S3Location{kS3TestBucket, "copy/part-99999.csv"}, "a\n").is_ok());
  auto damaged = verify("copy");
  EXPECT_EQ(damaged.exit_code, 1) << damaged.out << damaged.err;
  EXPECT_NE(damaged.err.find(parts[1] + ": checksum"), std::string::npos) << damaged.err;
  EXPECT_NE(damaged.err.find("part-99999.csv: not in the manifest"), std::string::npos)
      << damaged.err;
  auto missing = verify("nothing-here");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no _MANIFEST.json"), std::string::npos) << missing.err;
}

// No input.s3 at all: AWS_ENDPOINT_URL and AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY, as an AWS SDK or DuckDB user would set them.
TEST_F(S3Inputs, TheEnvironmentGivesTheEndpointAndCredentials) {
  start();
  if (!client_) return;
  generate(dir_ / "a.csv", 3000, 9);
  upload(dir_ / "a.csv", "env/a.csv");
  auto local = run_job("local.yaml", w1_job("a.csv", "out-local/", "32KiB"));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  write_file(dir_ / "env.yaml", w1_job(url("env/a.csv"), "out-env/", "32KiB"));
  auto from_env = run(
      {"env", "AWS_ENDPOINT_URL=" + server_->endpoint(), "AWS_ACCESS_KEY_ID=S3RVER",
       "AWS_SECRET_ACCESS_KEY=S3RVER", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", sluice_binary(),
       "run", dir_ / "env.yaml", "--workers", "2", "--state", dir_ / "state-env", "--no-progress"},
      dir_.path());
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  expect_same_parts("out-local", "out-env");
  // Without them, and without a credentials file, it says where it looked.
  auto none = run({"env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY",
                   "AWS_ENDPOINT_URL=" + server_->endpoint(),
                   "AWS_SHARED_CREDENTIALS_FILE=/nonexistent/credentials", sluice_binary(), "check",
                   dir_ / "env.yaml"},
                  dir_.path());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no S3 credentials"), std::string::npos) << none.err;
}

TEST_F(S3Inputs, BadOptionsAndMissingObjectsAreRefusedBeforeRunning) {
  start();
  if (!client_) return;
  auto unknown = run_job("unknown.yaml", "name: x\ninput:\n  path: " + url("none.csv") +
                                             "\n  s3: {endpoint: " + server_->endpoint() +
                                             ", secret: oops}\noutput:\n  path: out/\n");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("input.s3"), std::string::npos) << unknown.err;
  auto missing =
      run_job("missing.yaml", with_s3(passthrough_job(url("none/*.csv"), "out/", "1MiB")));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("matches no object"), std::string::npos) << missing.err;
  write_file(dir_ / "wrong",
             "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = nope\n");
  auto wrong = run_job("wrong.yaml", "name: x\ninput:\n  path: " + url("none.csv") +
                                         "\n  s3: {endpoint: " + server_->endpoint() +
                                         ", credentials_file: wrong}\noutput:\n  path: out/\n");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("403"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.err.find("nope"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace sluice::testing
