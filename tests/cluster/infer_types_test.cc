// Inferred column types (common/job/infer_types.h) through the real binary:
// `sluice describe` of the generator's file types every column right;
// `input.infer_types: true` lets a filter compare numbers without a schema
// and gives the same output as the same job with the types written out, for
// random split sizes; a later value that does not fit its sampled type is a
// reject with its reason, nothing lost.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

class InferTypes : public ::testing::Test {
 protected:
  CommandResult run_job(const std::string& name, const std::string& text) {
    write_file(dir_ / (name + ".yaml"), text);
    return run({sluice_binary(), "run", dir_ / (name + ".yaml"), "--workers", "2", "--state",
                dir_ / ("state-" + name), "--no-progress"},
               dir_.path());
  }
  void generate(uint64_t rows, uint64_t seed) {
    auto result = run({sluice_binary(), "gen", "parking", "--rows", std::to_string(rows), "--seed",
                       std::to_string(seed), "--out", dir_ / "parking.csv"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  TempDir dir_;
};

// What the generator's columns hold (tools/gen): DuckDB 1.5's sniffer gives
// the same types but for "Violation Legal Code" (its "T" is a BOOLEAN there;
// sluice reads only true/false as booleans).
const std::map<std::string, std::string>& parking_types() {
  static const auto* types =
      new std::map<std::string, std::string>{{"Summons Number", "int64"},
                                             {"Plate ID", "string"},
                                             {"Registration State", "string"},
                                             {"Plate Type", "string"},
                                             {"Issue Date", "timestamp"},
                                             {"Violation Code", "int64"},
                                             {"Vehicle Body Type", "string"},
                                             {"Vehicle Make", "string"},
                                             {"Issuing Agency", "string"},
                                             {"Street Code1", "int64"},
                                             {"Street Code2", "int64"},
                                             {"Street Code3", "int64"},
                                             {"Vehicle Expiration Date", "int64"},
                                             {"Violation Location", "int64"},
                                             {"Violation Precinct", "int64"},
                                             {"Issuer Precinct", "int64"},
                                             {"Issuer Code", "int64"},
                                             {"Issuer Command", "string"},
                                             {"Issuer Squad", "string"},
                                             {"Violation Time", "string"},
                                             {"Time First Observed", "string"},
                                             {"Violation County", "string"},
                                             {"Violation In Front Of Or Opposite", "string"},
                                             {"House Number", "string"},
                                             {"Street Name", "string"},
                                             {"Intersecting Street", "string"},
                                             {"Date First Observed", "int64"},
                                             {"Law Section", "int64"},
                                             {"Sub Division", "string"},
                                             {"Violation Legal Code", "string"},
                                             {"Days Parking In Effect", "string"},
                                             {"From Hours In Effect", "string"},
                                             {"To Hours In Effect", "string"},
                                             {"Vehicle Color", "string"},
                                             {"Unregistered Vehicle?", "int64"},
                                             {"Vehicle Year", "int64"},
                                             {"Meter Number", "string"},
                                             {"Feet From Curb", "int64"},
                                             {"Violation Post Code", "string"},
                                             {"Violation Description", "string"},
                                             {"No Standing or Stopping Violation", "string"},
                                             {"Hydrant Violation", "string"},
                                             {"Double Parking Violation", "string"}};
  return *types;
}

TEST_F(InferTypes, DescribeTypesEveryColumnOfTheGeneratedFile) {
  generate(30000, 7);
  auto described = run({sluice_binary(), "describe", dir_ / "parking.csv"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  // The YAML part: "    name: type" lines under schema.columns.
  std::map<std::string, std::string> got;
  std::istringstream lines(described.out.substr(described.out.find("schema:")));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("    ", 0) != 0) continue;
    const size_t colon = line.rfind(": ");
    std::string name = line.substr(4, colon - 4);
    if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
    while (!name.empty() && name.back() == ' ') name.pop_back();  // "Days Parking In Effect    "
    got[name] = line.substr(colon + 2);
  }
  EXPECT_EQ(got, parking_types()) << described.out;
  EXPECT_NE(described.out.find("20480 rows sampled"), std::string::npos) << described.out;
}

TEST_F(InferTypes, InferredJobEqualsTheJobWithTypesWrittenOutForAnySplit) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  generate(40000, seed % 1000);
  const std::string split = std::to_string(16 + random() % 2000) + "KiB";
  const std::string steps =
      "steps:\n"
      "  - filter: \"\\\"Violation Code\\\" > 10 AND \\\"Vehicle Year\\\" >= 2010\"\n"
      "  - select: [Summons Number, Violation Code, Vehicle Year, Issue Date]\n";
  auto inferred = run_job(
      "inferred", "name: inferred\ninput:\n  path: parking.csv\n  split_size: " + split +
                      "\n  infer_types: true\n" + steps + "output:\n  path: out-inferred/\n");
  ASSERT_EQ(inferred.exit_code, 0) << "seed " << seed << ": " << inferred.err;
  auto typed =
      run_job("typed", "name: typed\ninput:\n  path: parking.csv\n  split_size: 64MiB\n" + steps +
                           "schema:\n  columns:\n    Violation Code: int64\n"
                           "    Vehicle Year: int64\n    Issue Date: timestamp\n"
                           "    Summons Number: int64\n"
                           "output:\n  path: out-typed/\n");
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  const std::string want = concat_parts(dir_ / "out-typed");
  EXPECT_GT(std::count(want.begin(), want.end(), '\n'), 100) << want.substr(0, 300);
  EXPECT_TRUE(concat_parts(dir_ / "out-inferred") == want)
      << "seed " << seed << ", split " << split << ": the inferred job's output differs";
  // Without infer_types the same filter is a type error that says what to do.
  auto untyped = run_job("untyped", "name: untyped\ninput:\n  path: parking.csv\n" + steps +
                                        "output:\n  path: out-untyped/\n");
  EXPECT_EQ(untyped.exit_code, 2);
  EXPECT_NE(untyped.err.find("input.infer_types: true"), std::string::npos) << untyped.err;
}

TEST_F(InferTypes, ALaterValueThatDoesNotFitIsARejectWithItsReason) {
  // 30,000 integer rows, then one that is not: past the 20,480 sampled.
  // `id` is not read by the steps: it keeps its text and is never checked.
  std::string csv = "id,amount\n";
  for (int i = 1; i <= 30000; ++i) csv += std::to_string(i) + "," + std::to_string(i % 97) + "\n";
  csv += "x30001,5\n30002,x5\n";
  write_file(dir_ / "ids.csv", csv);
  auto result = run_job("late",
                        "name: late\ninput:\n  path: ids.csv\n  split_size: 32KiB\n"
                        "  infer_types: true\n"
                        "steps:\n  - filter: \"amount >= 0\"\n"
                        "output:\n  path: out-late/\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string output = concat_parts(dir_ / "out-late");
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 30002);  // header + rows
  EXPECT_NE(output.find("\nx30001,5\n"), std::string::npos);         // untouched text
  std::string rejects;
  for (const std::string& name : part_files(dir_ / "out-late/_rejects")) {
    rejects += read_file(dir_ / ("out-late/_rejects/" + name));
  }
  EXPECT_NE(rejects.find("value \"\"x5\"\" is not an int64"), std::string::npos) << rejects;
  EXPECT_EQ(std::count(rejects.begin(), rejects.end(), '\n'), 2) << rejects;  // header + 1
}

// The dialect is guessed too (common/job/sniff_dialect.h): a seeded file
// with a random delimiter, quote and header, read by `sluice sql` without
// options over small splits, gives the count and sum computed here.
TEST_F(InferTypes, SqlReadsAFileOfAnyDialectWithoutOptions) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  const char delimiters[] = {',', ';', '\t', '|'};
  const char delimiter = delimiters[random() % 4];
  const char quote = random() % 2 == 0 ? '"' : '\'';
  const bool header = random() % 2 == 0;
  std::string csv = header ? std::string("id") + delimiter + "note" + delimiter + "amount\n" : "";
  int64_t count = 0, total = 0;
  for (int i = 1; i <= 5000; ++i) {
    const int64_t amount = static_cast<int64_t>(random() % 100);
    // Every third note holds the delimiter, so it is quoted.
    const std::string note = i % 3 == 0 ? std::string(1, quote) + "a" + delimiter + "b" + quote
                                        : "n" + std::to_string(i);
    csv += std::to_string(i) + delimiter + note + delimiter + std::to_string(amount) + "\n";
    if (amount > 10) {
      ++count;
      total += amount;
    }
  }
  write_file(dir_ / "any.csv", csv);
  const std::string amount = header ? "amount" : "column2";
  auto result =
      run({sluice_binary(), "sql",
           "SELECT count(*) AS n, sum(" + amount +
               ") AS total FROM read_csv('any.csv', "
               "split_size='7KiB') WHERE " +
               amount + " > 10",
           "--out", "out-any", "--workers", "2", "--state", dir_ / "state-any", "--no-progress"},
          dir_.path());
  ASSERT_EQ(result.exit_code, 0) << "seed " << seed << ": " << result.err;
  EXPECT_EQ(concat_parts(dir_ / "out-any"),
            "n,total\n" + std::to_string(count) + "," + std::to_string(total) + "\n")
      << "seed " << seed << ": delimiter " << int(delimiter) << ", quote " << quote << ", header "
      << header;
}

TEST_F(InferTypes, RefusedForPostgresAndOnEmptyInputs) {
  write_file(dir_ / "empty.csv", "");
  auto empty = run_job("empty",
                       "name: empty\ninput:\n  path: empty.csv\n  infer_types: true\n"
                       "output:\n  path: out-empty/\n");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("input.infer_types: no rows to infer types from"), std::string::npos)
      << empty.err;
  auto jsonl = run_job("jsonl",
                       "name: jsonl\ninput:\n  path: a.jsonl\n  format: jsonl\n"
                       "  infer_types: true\noutput:\n  path: out-jsonl/\n");
  EXPECT_EQ(jsonl.exit_code, 2);
  EXPECT_NE(jsonl.err.find("input.infer_types: for csv inputs only"), std::string::npos)
      << jsonl.err;
}

}  // namespace
}  // namespace sluice::testing
