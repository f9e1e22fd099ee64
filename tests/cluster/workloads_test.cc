// The example workloads end to end through `sluice run --workers 2` over
// many partitions, compared byte for byte with independent Python: W2 and W3
// (tests/reference/reference.py, the examples' own steps), a lookup job
// (state names from a small table) and an exec job (a Python program
// upper-cases a column).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

class Workloads : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = dir_ / "parking.csv";
    const uint64_t seed = test_seed();
    auto result = run({sluice_binary(), "gen", "parking", "--rows", "20000", "--seed",
                       std::to_string(seed), "--multiline-rate", "0.001", "--out", input_});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // An example job file with the test's input, a small split and out/.
  std::string example(const std::string& file) {
    std::string text = read_file(source_dir() + "/examples/" + file);
    replace(text, "path: data/parking.csv", "path: " + input_);
    replace(text, "split_size: 64MiB", "split_size: 96KiB");
    const size_t out = text.find("path: out/");
    EXPECT_NE(out, std::string::npos);
    const size_t end = text.find('\n', out);
    text.replace(out, end - out, "path: out/");
    return write_job(file, text);
  }

  static void replace(std::string& text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }

  std::string write_job(const std::string& name, const std::string& text) {
    const std::string path = dir_ / name;
    write_file(path, text);
    return path;
  }

  std::string reference(const std::string& workload) {
    const std::string out = dir_ / ("reference-" + workload + ".csv");
    auto result =
        run({"python3", source_dir() + "/tests/reference/reference.py", workload, input_, out});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_file(out);
  }

  // Runs a Python snippet with INPUT and OUT set; returns what it wrote to OUT.
  std::string python(const std::string& code) {
    const std::string out = dir_ / "expected.csv";
    const std::string program =
        "import csv, sys\nINPUT, OUT = sys.argv[1], sys.argv[2]\n"
        "reader = csv.reader(open(INPUT, newline='', encoding='utf-8'))\n"
        "header = next(reader)\ncol = {n: i for i, n in enumerate(header)}\n"
        "writer = csv.writer(open(OUT, 'w', newline='', encoding='utf-8'), lineterminator='\\n')\n"
        "rows = (r for r in reader if len(r) == len(header))\n" +
        code;
    auto result = run({"python3", "-c", program, input_, out});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_file(out);
  }

  void run_and_verify(const std::string& job) {
    auto result = run(
        {sluice_binary(), "run", job, "--workers", "2", "--state", dir_ / "state", "--no-progress"},
        dir_.path());
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << verified.err;
  }

  TempDir dir_;
  std::string input_;
};

TEST_F(Workloads, W2MatchesTheReferenceOverManyPartitions) {
  run_and_verify(example("w2-days-until-expiration.yaml"));
  EXPECT_GT(part_files(dir_ / "out").size(), 20u);
  EXPECT_EQ(concat_parts(dir_ / "out"), reference("w2"));
}

TEST_F(Workloads, W3MatchesTheReferenceOverManyPartitions) {
  run_and_verify(example("w3-count-by-state-code.yaml"));
  const std::string expected = reference("w3");
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 100);
  EXPECT_EQ(concat_parts(dir_ / "out"), expected);
}

TEST_F(Workloads, LookupAddsStateNamesOnEveryWorker) {
  write_file(dir_ / "states.csv", read_file(source_dir() + "/tests/data/lookup/states.csv"));
  const std::string job = write_job("lookup.yaml",
                                    "name: lookup-test\n"
                                    "input: {path: " +
                                        input_ +
                                        ", split_size: 96KiB}\n"
                                        "steps:\n"
                                        "  - lookup:\n"
                                        "      path: states.csv\n"
                                        "      on: {Registration State: code}\n"
                                        "      columns: [name, region]\n"
                                        "  - select: [Summons Number, Registration State, name, "
                                        "region]\n"
                                        "output: {path: out/}\n");
  run_and_verify(job);
  EXPECT_GT(part_files(dir_ / "out").size(), 20u);
  // Independent Python: the first row of each key, missing keys empty (NULL).
  const std::string out = dir_ / "expected-lookup.csv";
  const std::string program =
      "import csv, sys\n"
      "reader = csv.reader(open(sys.argv[1], newline='', encoding='utf-8'))\n"
      "header = next(reader)\ncol = {n: i for i, n in enumerate(header)}\n"
      "table = {}\n"
      "for r in list(csv.reader(open(sys.argv[3], newline='')))[1:]:\n"
      "    table.setdefault(r[0], r)\n"
      "w = csv.writer(open(sys.argv[2], 'w', newline='', encoding='utf-8'), lineterminator='\\n')\n"
      "w.writerow(['Summons Number', 'Registration State', 'name', 'region'])\n"
      "for r in reader:\n"
      "    if len(r) != len(header): continue\n"
      "    s = r[col['Registration State']]\n"
      "    hit = table.get(s, [s, '', ''])\n"
      "    w.writerow([r[col['Summons Number']], s, hit[1], hit[2]])\n";
  auto result = run({"python3", "-c", program, input_, out, dir_ / "states.csv"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string want = read_file(out);
  ASSERT_NE(want.find("New York"), std::string::npos);
  EXPECT_EQ(concat_parts(dir_ / "out"), want);
}

TEST_F(Workloads, ExecUppercasesAColumnThroughAProgramPerPartition) {
  const std::string job = write_job("exec.yaml",
                                    "name: exec-test\n"
                                    "input: {path: " +
                                        input_ +
                                        ", split_size: 256KiB}\n"
                                        "steps:\n"
                                        "  - select: [Summons Number, Street Name]\n"
                                        "  - exec:\n"
                                        "      command: [python3, " +
                                        source_dir() +
                                        "/tests/data/exec/upper.py, Street Name]\n"
                                        "      batch_rows: 500\n"
                                        "      timeout: 20s\n"
                                        "output: {path: out/}\n");
  run_and_verify(job);
  EXPECT_GT(part_files(dir_ / "out").size(), 5u);
  const std::string expected = python(
      "writer.writerow(['Summons Number', 'Street Name'])\n"
      "for r in rows:\n"
      "    writer.writerow([r[col['Summons Number']], r[col['Street Name']].upper()])\n");
  ASSERT_GT(std::count(expected.begin(), expected.end(), '\n'), 1000);
  EXPECT_EQ(concat_parts(dir_ / "out"), expected);
}

TEST_F(Workloads, ExecProgramThatKeepsFailingFailsTheJobWithItsStderr) {
  const std::string job =
      write_job("exec-fail.yaml",
                "name: exec-fail-test\n"
                "input: {path: " +
                    input_ +
                    ", split_size: 1MiB}\n"
                    "steps:\n"
                    "  - exec: {command: [" +
                    source_dir() + "/tests/data/exec/flaky.py, " + (dir_ / "starts") +
                    ", 1000], max_attempts: 1}\n"
                    "output: {path: out/}\n"
                    "max_attempts: 2\n");
  auto result = run(
      {sluice_binary(), "run", job, "--workers", "2", "--state", dir_ / "state", "--no-progress"},
      dir_.path());
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("flaky: failing on purpose"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/_SUCCESS"));
}

TEST_F(Workloads, LookupProblemsAreSpecErrorsBeforeAnyWork) {
  write_file(dir_ / "dup.csv", "code,name\nNY,a\nNY,b\n");
  const std::string job = write_job("lookup-bad.yaml",
                                    "name: lookup-bad-test\n"
                                    "input: {path: " +
                                        input_ +
                                        "}\n"
                                        "steps:\n"
                                        "  - lookup: {path: dup.csv, on: {Registration State: "
                                        "code}, columns: [name]}\n"
                                        "output: {path: out/}\n");
  auto result = run(
      {sluice_binary(), "run", job, "--workers", "1", "--state", dir_ / "state", "--no-progress"},
      dir_.path());
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("lookup-bad.yaml:4: steps[0].lookup"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("key \"NY\""), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
}

}  // namespace
}  // namespace sluice::testing
