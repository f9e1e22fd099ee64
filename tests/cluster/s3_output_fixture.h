#pragma once
// The fixture of the s3:// output tests (s3_output_test.cc,
// s3_exchange_output_test.cc): one s3rver behind the signature-checking
// proxy per test (tests/support/s3_server.h), a generated input with one
// rejected row (local and uploaded), jobs run with `sluice run`, and the
// comparison of a prefix's objects with a local output directory.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/s3/client.h"
#include "tests/support/cluster.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/s3_server.h"

namespace sluice::testing {

namespace fs = std::filesystem;
using Objects = std::map<std::string, std::string>;  // name under the output -> bytes

class S3OutputFixture : public ::testing::Test {
 protected:
  void start(S3Faults faults = {}) {
    server_ = std::make_unique<S3Server>(dir_ / "s3", faults);
    if (!server_->started()) GTEST_SKIP() << "skipped: " << server_->error();
    auto client = server_->client(/*direct=*/true);  // the test's own requests never fail
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

  // Uploads created under `prefix`/ (the server's request log) and the
  // parts and rejects there.
  struct UploadCounts {
    size_t creates = 0;
    size_t objects = 0;
  };

  // `s3_job` (writing to `prefix`) with a worker, alone at first, that
  // SIGKILLs itself once it has uploaded twice (SLUICE_CRASH_AT
  // s3-part-uploaded:2), its last upload unreported; a survivor then
  // finishes the job, whose output must be the local one in `local_dir`.
  UploadCounts run_with_a_worker_killed_after_its_second_upload(const std::string& s3_job,
                                                                const std::string& prefix,
                                                                const std::string& local_dir) {
    write_file(dir_ / "s3.yaml", s3_job);
    CoordinatorProcess coordinator(dir_);
    EXPECT_FALSE(coordinator.endpoint().empty()) << coordinator.log();
    const std::string endpoint = coordinator.endpoint();
    Process victim({"env", "SLUICE_CRASH_AT=s3-part-uploaded:2", sluice_binary(), "worker",
                    "--coordinator", endpoint, "--slots", "1"},
                   dir_ / "victim.log");
    auto submitted =
        run({sluice_binary(), "submit", dir_ / "s3.yaml", "--coordinator", endpoint}, dir_.path());
    EXPECT_EQ(submitted.exit_code, 0) << submitted.err;
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
    EXPECT_EQ(waited.exit_code, 0) << waited.out << waited.err << coordinator.log();
    expect_same_output(local_dir, prefix);
    UploadCounts counts;
    const std::string log = server_->request_log();
    const std::string create = "POST /" + std::string(kS3TestBucket) + "/" + prefix + "/";
    for (size_t at = log.find(create); at != std::string::npos; at = log.find(create, at + 1)) {
      counts.creates += log.compare(log.find('?', at), 10, "?uploads= ") == 0;
    }
    for (const auto& [name, bytes] : s3_objects(prefix))
      counts.objects += name[0] != '_' || name.rfind("_rejects/", 0) == 0;
    return counts;
  }

  TempDir dir_;
  std::unique_ptr<S3Server> server_;
  std::unique_ptr<S3Client> client_;
};

}  // namespace sluice::testing
