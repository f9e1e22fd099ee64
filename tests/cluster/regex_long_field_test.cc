// A long field through regular expressions end to end (issue 20): a CSV with
// one 60,000-byte field, filtered with regexp_matches and checked with a
// schema `pattern`, run by `sluice run --workers 2` over several partitions.
// std::regex recursed once per character and every worker died of SIGSEGV
// on that field; with RE2 the job succeeds with exactly the matching rows and
// `sluice verify` passes.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

constexpr size_t kLongFieldBytes = 60'000;
constexpr int kShortRows = 400;

class RegexLongField : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short rows around the long one; every fifth name has a digit, so the
    // filter and the pattern have rows to drop.
    long_name_ = std::string(kLongFieldBytes, 'k');
    std::string csv = "id,name\n";
    for (int i = 0; i < kShortRows; ++i) {
      if (i == kShortRows / 2) csv += "long," + long_name_ + "\n";
      const std::string name = i % 5 == 0 ? "name" + std::to_string(i) : "name" + letters(i);
      csv += std::to_string(i) + "," + name + "\n";
    }
    write_file(dir_ / "names.csv", csv);
  }

  // A distinct run of lower-case letters for each row number.
  static std::string letters(int i) {
    std::string out;
    do {
      out += static_cast<char>('a' + i % 26);
      i /= 26;
    } while (i > 0);
    return out;
  }

  // The rows the filter keeps, in input order, with the header.
  std::string expected() const {
    std::string out = "id,name\n";
    for (int i = 0; i < kShortRows; ++i) {
      if (i == kShortRows / 2) out += "long," + long_name_ + "\n";
      if (i % 5 != 0) out += std::to_string(i) + ",name" + letters(i) + "\n";
    }
    return out;
  }

  void run_and_verify(const std::string& job_text) {
    const std::string job = dir_ / "job.yaml";
    write_file(job, job_text);
    // `timeout` bounds a job whose workers keep dying.
    auto result = run({"timeout", "120", sluice_binary(), "run", job, "--workers", "2", "--state",
                       dir_ / "state", "--no-progress"},
                      dir_.path());
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    EXPECT_GT(part_files(dir_ / "out").size(), 2u);
    EXPECT_EQ(concat_parts(dir_ / "out"), expected());
  }

  TempDir dir_;
  std::string long_name_;
};

TEST_F(RegexLongField, RegexpMatchesFilterKeepsTheLongFieldOnTwoWorkers) {
  run_and_verify(
      "name: regex-long-field\n"
      "input: {path: " +
      (dir_ / "names.csv") +
      ", split_size: 2KiB}\n"
      "steps:\n"
      "  - filter: \"regexp_matches(name, '^[a-z]+$')\"\n"
      "output: {path: out/}\n");
}

TEST_F(RegexLongField, SchemaPatternAcceptsTheLongFieldOnTwoWorkers) {
  run_and_verify(
      "name: regex-long-field-pattern\n"
      "input: {path: " +
      (dir_ / "names.csv") +
      ", split_size: 2KiB}\n"
      "schema:\n"
      "  on_error: reject\n"
      "  columns:\n"
      "    name: {type: string, pattern: \"[a-z]+\"}\n"
      "output: {path: out/}\n");
}

}  // namespace
}  // namespace sluice::testing
