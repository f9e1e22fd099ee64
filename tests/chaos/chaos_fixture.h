#pragma once
// What the chaos tests share: generated input, job files, the reference
// outputs, and the checks every test ends with (byte-for-byte output, rows
// lost and duplicated by multiset, `sluice verify`).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/support/faults.h"

namespace sluice::testing {

inline bool long_tests() {
  const char* value = std::getenv("SLUICE_LONG_TESTS");
  return value != nullptr && std::string(value) == "1";
}

// One job of a chaos run: its file, its output and what it must produce.
struct ChaosJob {
  std::string name;      // w1, passthrough, w3, w5, w6
  std::string job_file;  // absolute
  std::string output;    // absolute output directory
  std::string expected;  // the exact bytes of the concatenated parts (w6: filled in by the run)
  std::string id;        // once submitted
};

class ChaosTest : public ::testing::Test {
 protected:
  void generate(uint64_t rows, uint64_t seed, double multiline_rate) {
    input_ = dir_ / "parking.csv";
    auto result = run({sluice_binary(), "gen", "parking", "--rows", std::to_string(rows), "--seed",
                       std::to_string(seed), "--multiline-rate", std::to_string(multiline_rate),
                       "--out", input_});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    input_rows_ = rows;
  }

  // Registrations for the input's plates: half as many rows (generated once).
  std::string registrations() {
    const std::string path = dir_ / "registrations.csv";
    if (!std::filesystem::exists(path)) {
      auto result = run({sluice_binary(), "gen", "registrations", "--rows",
                         std::to_string(input_rows_ / 2 + 1), "--seed", "7", "--out", path});
      EXPECT_EQ(result.exit_code, 0) << result.err;
    }
    return path;
  }

  std::string reference(const std::string& workload) {
    const std::string out = dir_ / ("reference-" + workload + ".csv");
    auto result =
        run({"python3", source_dir() + "/tests/reference/reference.py", workload, input_, out});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_file(out);
  }

  // A job over the generated input; `name` is w1, w3, w5, w6 or passthrough,
  // optionally with a suffix ("w1-again": a second W1 job, its own output).
  ChaosJob make_job(const std::string& name, const std::string& output_dir,
                    const std::string& split_size) {
    ChaosJob job;
    job.name = name;
    const std::string workload = name.substr(0, name.find('-'));
    job.output = output_dir;
    job.job_file = dir_ / (name + ".yaml");
    std::string text;
    if (workload == "w1") {
      text = w1_job(input_, output_dir + "/", split_size);
      job.expected = reference("w1");
    } else if (workload == "w3") {
      text = w3_job(input_, output_dir + "/", split_size);
      job.expected = reference("w3");
    } else if (workload == "w5") {
      text = w5_job(input_, output_dir + "/", split_size);
      job.expected = reference("w5");
    } else if (workload == "w6") {
      // A left join with registrations: every ticket, once. Its expected
      // bytes are its undisturbed run's (run_chaos fills them in): the
      // join's order (bucket by bucket) has no reference of its own.
      text = w6_job(input_, registrations(), output_dir + "/", split_size);
    } else {
      text = passthrough_job(input_, output_dir + "/", split_size);
      job.expected = read_file(input_);
    }
    write_file(job.job_file, text);
    return job;
  }

  // With `wait`, gives up after `timeout_s` (exit 124) rather than hang the suite.
  CommandResult submit(const ChaosJob& job, const std::string& endpoint, bool wait,
                       int timeout_s = 300) {
    std::vector<std::string> argv = {
        "timeout",    std::to_string(timeout_s), sluice_binary(), "submit",
        job.job_file, "--coordinator",           endpoint};
    if (wait) argv.push_back("--wait");
    argv.push_back("--no-progress");
    return run(argv, dir_.path());
  }

  // What a finished job must not leave behind: working directories
  // (_temporary, _partials), an atomic write's "NAME.tmp-PID-N", and the
  // overwrite's staging and replaced directories beside the output
  // ("OUT.sluice-ID.tmp", "OUT.sluice-ID.old").
  static std::vector<std::string> temporaries_left(const std::string& output_dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> left;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(output_dir, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name == "_temporary" || name == "_partials" || name.find(".tmp-") != std::string::npos) {
        left.push_back(it->path().string());
      }
    }
    const fs::path output(output_dir);
    const std::string prefix = output.filename().string() + ".sluice-";
    for (const auto& entry : fs::directory_iterator(output.parent_path(), error)) {
      if (entry.path().filename().string().rfind(prefix, 0) == 0) {
        left.push_back(entry.path().string());
      }
    }
    return left;
  }

  // The output is exact: same bytes, no row lost or duplicated, verify
  // passes, no temporary file left.
  RowDiff expect_exact(const ChaosJob& job) {
    const std::string output = concat_parts(job.output);
    const RowDiff diff = compare_rows(csv_records(job.expected, true), csv_records(output, true));
    EXPECT_EQ(diff.lost, 0u) << job.name;
    EXPECT_EQ(diff.duplicated, 0u) << job.name;
    EXPECT_TRUE(output == job.expected) << job.name << ": output differs from the expected bytes ("
                                        << output.size() << " vs " << job.expected.size() << ")";
    auto verified = run({sluice_binary(), "verify", job.output});
    EXPECT_EQ(verified.exit_code, 0) << job.name << ": " << verified.out << verified.err;
    for (const std::string& left : temporaries_left(job.output)) {
      ADD_FAILURE() << job.name << ": temporary left: " << left;
    }
    return diff;
  }

  TempDir dir_;  // first: outlives every mount and process of the test
  std::string input_;
  uint64_t input_rows_ = 0;
};

}  // namespace sluice::testing
