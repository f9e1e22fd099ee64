// The lookup step: a CSV table joined on one column (broadcast hash join),
// hits, misses (NULL), duplicate keys, the size limit, name clashes and the
// errors' locations.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/base/limits.h"
#include "common/job/job_file.h"
#include "common/pipeline/lookup.h"
#include "common/pipeline/pipeline.h"
#include "common/spec/job_spec.h"
#include "tests/support/batch_rows.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using testing::source_dir;
using testing::TempDir;
using testing::write_file;

const std::vector<std::string> kColumns = {"id", "state", "amount"};

// Rows of kColumns that own the text their RecordBatch views.
struct Rows : testing::BatchRows {
  explicit Rows(std::vector<std::vector<std::string>> rows)
      : BatchRows(kColumns.size(), std::move(rows)) {}
};

JobSpec job(const std::string& steps, const std::string& base_dir) {
  const std::string yaml = "name: t\ninput: {path: in.csv}\noutput: {path: out}\n" + steps;
  auto spec = parse_job_spec(yaml, "job.yaml");
  EXPECT_TRUE(spec.is_ok()) << spec.status().message();
  JobSpec result = spec.value();
  result.base_dir = base_dir;
  return result;
}

std::string data_dir() { return source_dir() + "/tests/data/lookup"; }

// Runs one batch and returns the rows as "a|b|<NULL>" lines.
std::vector<std::string> run(Pipeline& pipeline, const Rows& rows) {
  OutputBatch output;
  std::vector<RejectedRecord> rejects;
  PipelineCounters counters;
  Status status = pipeline.process(rows.batch, output, rejects, counters);
  EXPECT_TRUE(status.is_ok()) << status.message();
  std::vector<std::string> lines;
  for (size_t r = 0; r < output.row_count; ++r) {
    std::string line;
    for (size_t c = 0; c < output.column_count; ++c) {
      if (c > 0) line += "|";
      line += output.is_null(r, c) ? "<NULL>" : std::string(output.field(r, c));
    }
    lines.push_back(line);
  }
  return lines;
}

TEST(PipelineLookup, AddsColumnsForHitsAndNullsForMisses) {
  JobSpec spec =
      job("steps:\n"
          "  - lookup: {path: states.csv, on: {state: code}, columns: [name, region]}\n",
          data_dir());
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_TRUE(pipeline.is_ok()) << pipeline.status().message();
  EXPECT_EQ(pipeline.value()->output_columns(),
            (std::vector<std::string>{"id", "state", "amount", "name", "region"}));
  Rows rows({{"1", "NY", "5"}, {"2", "ZZ", "6"}, {"3", "DC", "7"}, {"4", "", "8"}});
  EXPECT_EQ(
      run(*pipeline.value(), rows),
      (std::vector<std::string>{"1|NY|5|New York|Northeast", "2|ZZ|6|<NULL>|<NULL>",
                                "3|DC|7|District of Columbia, The|South", "4||8|<NULL>|<NULL>"}));
}

TEST(PipelineLookup, NullKeyMatchesNothingAndFiltersBeforeAndAfterWork) {
  JobSpec spec =
      job("steps:\n"
          "  - filter: \"amount <> '6'\"\n"
          "  - lookup: {path: states.csv, on: {state: code}, columns: [name]}\n"
          "  - filter: \"name IS NOT NULL\"\n"
          "  - select: [id, name]\n",
          data_dir());
  spec.input.null_values = {"NA"};
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_TRUE(pipeline.is_ok()) << pipeline.status().message();
  Rows rows({{"1", "NY", "5"}, {"2", "NJ", "6"}, {"3", "NA", "7"}, {"4", "TX", "8"}});
  EXPECT_EQ(run(*pipeline.value(), rows), (std::vector<std::string>{"1|New York", "4|Texas"}));
}

TEST(PipelineLookup, TypedKeyIsComparedByItsText) {
  TempDir dir;
  write_file(dir / "codes.csv", "code,label\n7,seven\n21,twenty-one\n");
  JobSpec spec =
      job("schema: {columns: {amount: int32}}\n"
          "steps:\n"
          "  - lookup: {path: codes.csv, on: {amount: code}, columns: [label]}\n"
          "  - select: [id, label]\n",
          dir.path());
  auto pipeline = Pipeline::compile(spec, kColumns);
  ASSERT_TRUE(pipeline.is_ok()) << pipeline.status().message();
  Rows rows({{"1", "NY", "07"}, {"2", "NY", "21"}, {"3", "NY", "8"}});
  EXPECT_EQ(run(*pipeline.value(), rows),
            (std::vector<std::string>{"1|seven", "2|twenty-one", "3|<NULL>"}));
}

TEST(PipelineLookup, DuplicateKeysAreAnErrorUnlessFirstWins) {
  JobSpec spec =
      job("steps:\n"
          "  - lookup: {path: duplicates.csv, on: {state: code}, columns: [name]}\n",
          data_dir());
  auto failed = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(failed.status().message().find("job.yaml:5: steps[0].lookup"), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("key \"NY\""), std::string::npos)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("byte offset 36"), std::string::npos)
      << failed.status().message();

  JobSpec first =
      job("steps:\n"
          "  - lookup: {path: duplicates.csv, on: {state: code}, columns: [name], duplicates: "
          "first}\n"
          "  - select: [id, name]\n",
          data_dir());
  auto pipeline = Pipeline::compile(first, kColumns);
  ASSERT_TRUE(pipeline.is_ok()) << pipeline.status().message();
  Rows rows({{"1", "NY", "5"}, {"2", "NJ", "6"}});
  EXPECT_EQ(run(*pipeline.value(), rows), (std::vector<std::string>{"1|New York", "2|New Jersey"}));
}

TEST(PipelineLookup, FileLargerThanTheLimitIsRejectedAtCompile) {
  TempDir dir;
  std::string big = "code,name\n";
  const std::string line = "XX,0123456789012345678901234567890123456789012345678901234567890\n";
  big.reserve(limits::kLookupFileBytesMax + line.size() * 2);
  while (big.size() <= limits::kLookupFileBytesMax) big += line;
  write_file(dir / "big.csv", big);
  JobSpec spec =
      job("steps:\n  - lookup: {path: big.csv, on: {state: code}, columns: [name]}\n", dir.path());
  auto failed = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_NE(failed.status().message().find("more than the limit of 64 MiB"), std::string::npos)
      << failed.status().message();
}

TEST(PipelineLookup, NameClashWithAnExistingColumnNamesTheStep) {
  TempDir dir;
  write_file(dir / "t.csv", "code,amount\nNY,1\n");
  JobSpec spec =
      job("steps:\n  - lookup: {path: t.csv, on: {state: code}, columns: [amount]}\n", dir.path());
  auto failed = Pipeline::compile(spec, kColumns);
  ASSERT_FALSE(failed.is_ok());
  EXPECT_EQ(failed.status().message(),
            "job.yaml:5: steps[0].lookup.columns: column \"amount\" already exists; rename or "
            "drop it before the lookup");
}

TEST(PipelineLookup, CompileErrorsNameTheProblem) {
  const std::string dir = data_dir();
  auto message = [&](const std::string& step) {
    auto compiled = Pipeline::compile(job("steps:\n  - " + step + "\n", dir), kColumns);
    EXPECT_FALSE(compiled.is_ok()) << step;
    return compiled.is_ok() ? std::string() : compiled.status().message();
  };
  EXPECT_NE(message("lookup: {path: states.csv, on: {nope: code}, columns: [name]}")
                .find("on: unknown column \"nope\""),
            std::string::npos);
  EXPECT_NE(message("lookup: {path: states.csv, on: {state: nope}, columns: [name]}")
                .find("has no column \"nope\""),
            std::string::npos);
  EXPECT_NE(message("lookup: {path: states.csv, on: {state: code}, columns: [nope]}")
                .find("has no column \"nope\""),
            std::string::npos);
  EXPECT_NE(message("lookup: {path: missing.csv, on: {state: code}, columns: [name]}")
                .find("missing.csv cannot be read"),
            std::string::npos);
  // Shapes are checked by the job file parser.
  auto parsed = parse_job_spec(
      "name: t\ninput: {path: in.csv}\noutput: {path: out}\nsteps:\n"
      "  - lookup: {path: states.csv, on: {state: code}, column: [name]}\n",
      "job.yaml");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("steps[0].lookup.column: unknown key"),
            std::string::npos)
      << parsed.status().message();
}

TEST(PipelineLookup, TableIsLoadedOncePerFileVersion) {
  const std::string path = data_dir() + "/states.csv";
  auto a = LookupTable::load(path, "code", {"name"}, false);
  auto b = LookupTable::load(path, "code", {"name"}, false);
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  EXPECT_EQ(a.value().get(), b.value().get());
  EXPECT_EQ(a.value()->row_count(), 9u);
}

}  // namespace
}  // namespace sluice
