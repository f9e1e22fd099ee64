// The join step end to end (docs/REFERENCE.md, "join"): random left and
// right CSVs (duplicate keys on both sides, NULL keys, keys on one side
// only, bad rows on both sides) through `sluice run` with random split
// sizes, `parallelism` and `memory_per_task` (down to 64 KiB, so bucket
// tasks spill), for every `how`: the multiset of output rows equals a
// nested-loop reference join computed here, each side's bad rows are in
// the rejects under their own file's name, and refused combinations exit 2.
// Randomized; the seed is printed (SLUICE_SEED replays).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

// left.csv: k (int64; empty = NULL), a, n (int64; "bad" = rejected).
struct LeftRow {
  std::optional<int64_t> k;
  std::string a;
  int64_t n = 0;
};
// right.csv: key (string; "NA" = NULL), b (int64; "x" = rejected), c.
struct RightRow {
  std::optional<std::string> key;
  int64_t b = 0;
  std::string c;
};

struct Inputs {
  std::vector<LeftRow> left;
  std::vector<RightRow> right;
  size_t left_bad = 0;
  size_t right_bad = 0;
};

const char* const kHows[] = {"inner", "left", "right", "full", "semi", "anti"};

// Data lines of every part (headers dropped), sorted.
std::vector<std::string> output_lines(const std::string& output, size_t* parts) {
  std::vector<std::string> lines;
  *parts = 0;
  for (const std::string& name : part_files(output)) {
    ++*parts;
    std::istringstream in(read_file(output + "/" + name));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Rejected records whose source file name ends with `file`.
size_t rejects_from(const std::string& output, const std::string& file) {
  size_t count = 0;
  const std::string dir = output + "/_rejects";
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::istringstream in(read_file(entry.path().string()));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const std::string source = line.substr(0, line.find(','));
      if (source.size() >= file.size() &&
          source.compare(source.size() - file.size(), file.size(), file) == 0) {
        count++;
      }
    }
  }
  return count;
}

// The job: filter n % 7 != 3, join right.csv on k = key, drop a; output k,
// n, then rb (b) and rc (c) unless semi or anti. `tagged`: then, after the
// join (over text, empty = NULL), filter n IS NULL OR n % 5 != 1 and derive
// tag = k || '/' || n.
std::vector<std::string> reference(const Inputs& inputs, const std::string& how,
                                   bool tagged = false) {
  const bool with_right = how != "semi" && how != "anti";
  const bool keep_left = how == "left" || how == "full" || how == "anti";
  const bool keep_right = how == "right" || how == "full";
  std::vector<std::string> lines;
  auto emit = [&](const std::string& k, std::optional<int64_t> n, const std::string& right) {
    if (tagged && n && *n % 5 == 1) return;
    std::string line = k + "," + (n ? std::to_string(*n) : "") + right;
    if (tagged) line += "," + (k.empty() || !n ? "" : k + "/" + std::to_string(*n));
    lines.push_back(line);
  };
  std::vector<bool> matched(inputs.right.size(), false);
  for (const LeftRow& l : inputs.left) {
    if (l.n % 7 == 3) continue;
    const std::string k = l.k ? std::to_string(*l.k) : "";
    size_t matches = 0;
    for (size_t r = 0; r < inputs.right.size(); ++r) {
      const RightRow& right = inputs.right[r];
      if (!l.k || !right.key || *right.key != k) continue;
      matches++;
      matched[r] = true;
      if (with_right) emit(k, l.n, "," + std::to_string(right.b) + "," + csv_field(right.c));
    }
    if (how == "semi" && matches > 0) emit(k, l.n, "");
    if (matches == 0 && keep_left) emit(k, l.n, with_right ? ",," : "");
  }
  for (size_t r = 0; keep_right && r < inputs.right.size(); ++r) {
    if (matched[r]) continue;
    const RightRow& right = inputs.right[r];
    emit(csv_field(right.key.value_or("")), std::nullopt,
         "," + std::to_string(right.b) + "," + csv_field(right.c));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

class JoinJob : public ::testing::Test {
 protected:
  Inputs write_inputs(std::mt19937_64& random) {
    static const std::vector<std::string> kTexts = {"p", "q,r", "s\"t", "", "uu"};
    Inputs inputs;
    const int64_t distinct = std::vector<int64_t>{1, 5, 50, 1000}[random() % 4];
    // Few keys and many rows on both sides multiply: at most ~200,000 joined
    // rows (3000 rows a side with 1 key would be 9M rows, gigabytes in the
    // reference and minutes in the job).
    const size_t rows_max = std::min<size_t>(
        3000, static_cast<size_t>(std::sqrt(200000.0 * static_cast<double>(distinct))));
    std::string left = "k,a,n\n";
    const size_t left_rows = random() % rows_max;
    for (size_t i = 0; i < left_rows; ++i) {
      LeftRow row;
      if (random() % 9 != 0) row.k = static_cast<int64_t>(random() % distinct);
      row.a = kTexts[random() % kTexts.size()];
      row.n = static_cast<int64_t>(i);
      if (random() % 101 == 0) {
        left += "1,a,bad\n";
        inputs.left_bad++;
        continue;
      }
      left += (row.k ? std::to_string(*row.k) : "") + "," + csv_field(row.a) + "," +
              std::to_string(row.n) + "\n";
      inputs.left.push_back(row);
    }
    std::string right = "key,b,c\n";
    const size_t right_rows = random() % rows_max;
    for (size_t i = 0; i < right_rows; ++i) {
      RightRow row;
      const uint64_t kind = random() % 10;
      if (kind == 0) {
        row.key = std::nullopt;  // written NA
      } else if (kind == 1) {
        row.key = "";  // a value no int64 left key equals
      } else {
        // Some keys only on the right: past the left's range.
        row.key = std::to_string(random() % (distinct + distinct / 2 + 1));
      }
      row.b = static_cast<int64_t>(i);
      row.c = kTexts[random() % kTexts.size()];
      if (random() % 97 == 0) {
        right += "1,x,bad\n";
        inputs.right_bad++;
        continue;
      }
      right += (row.key ? csv_field(*row.key) : "NA") + "," + std::to_string(row.b) + "," +
               csv_field(row.c) + "\n";
      inputs.right.push_back(row);
    }
    write_file(dir_ / "left.csv", left);
    write_file(dir_ / "right.csv", right);
    return inputs;
  }

  CommandResult run_job(const std::string& job) {
    write_file(dir_ / "job.yaml", job);
    return run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state", dir_ / "state",
                "--no-progress"},
               dir_.path());
  }

  static std::string join_job(const std::string& how, const std::string& split,
                              const std::string& right_split, const std::string& options,
                              bool tagged = false) {
    const bool with_right = how != "semi" && how != "anti";
    return "name: join\n"
           "input: {path: left.csv, split_size: " +
           split +
           "}\n"
           "schema: {columns: {k: {type: int64}, n: {type: int64}}}\n"
           "steps:\n"
           "  - filter: \"n % 7 != 3\"\n"
           "  - join:\n"
           "      input:\n"
           "        path: right.csv\n"
           "        split_size: " +
           right_split +
           "\n"
           "        null_values: [NA]\n"
           "        schema: {columns: {b: {type: int64}}}\n"
           "      on: {k: key}\n"
           "      how: " +
           how + "\n" + (with_right ? "      columns: {rb: b, rc: c}\n" : "") + "  - drop: [a]\n" +
           (tagged ? "  - filter: \"n IS NULL OR CAST(n AS int64) % 5 != 1\"\n"
                     "  - derive: {tag: \"k || '/' || n\"}\n"
                   : "") +
           options + "output: {path: out, mode: overwrite}\n";
  }

  TempDir dir_;
};

TEST_F(JoinJob, EveryHowEqualsTheReferenceForAnySplitParallelismAndMemory) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 12; ++round) {
    const Inputs inputs = write_inputs(random);
    const std::string how = kHows[round % 6];
    const std::string split = std::vector<std::string>{"1KiB", "5KiB", "64MiB"}[random() % 3];
    const std::string right_split = std::vector<std::string>{"1KiB", "3KiB", "64MiB"}[random() % 3];
    const int parallelism = std::vector<int>{0, 1, 3, 7}[random() % 4];
    const std::string memory = std::vector<std::string>{"64KiB", "128KiB", "256MiB"}[random() % 3];
    std::string options = "memory_per_task: " + memory + "\n";
    if (parallelism > 0) options += "parallelism: " + std::to_string(parallelism) + "\n";
    const std::string what = "seed " + std::to_string(seed) + " round " + std::to_string(round) +
                             " how " + how + " split " + split + "/" + right_split +
                             " parallelism " + std::to_string(parallelism) + " memory " + memory;
    const bool tagged = random() % 2 == 0;  // steps after the join
    auto ran = run_job(join_job(how, split, right_split, options, tagged));
    ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;
    size_t parts = 0;
    const std::vector<std::string> lines = output_lines(dir_ / "out", &parts);
    const std::vector<std::string> expected = reference(inputs, how, tagged);
    ASSERT_EQ(lines.size(), expected.size()) << what << " tagged " << tagged;
    for (size_t i = 0; i < lines.size(); ++i) {
      ASSERT_EQ(lines[i], expected[i]) << what << " tagged " << tagged << " line " << i;
    }
    if (parallelism > 0) {
      EXPECT_EQ(parts, static_cast<size_t>(parallelism)) << what;
    }
    const std::string header = std::string(how == "semi" || how == "anti" ? "k,n" : "k,n,rb,rc") +
                               (tagged ? ",tag\n" : "\n");
    EXPECT_EQ(read_file(dir_ / "out/part-00000.csv").substr(0, header.size()), header) << what;
    EXPECT_EQ(rejects_from(dir_ / "out", "/left.csv"), inputs.left_bad) << what;
    EXPECT_EQ(rejects_from(dir_ / "out", "/right.csv"), inputs.right_bad) << what;
    auto verified = run({sluice_binary(), "verify", dir_ / "out"});
    EXPECT_EQ(verified.exit_code, 0) << what << "\n" << verified.out << verified.err;
  }
}

// The documented order: with the same bucket count, every part holds the
// same rows in the same order whatever the split sizes and memory budget
// (by key bytes, then left input order, then right input order).
TEST_F(JoinJob, PartsAreTheSameForAnySplitAndMemoryAtOneBucketCount) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  write_inputs(random);
  std::vector<std::string> first;
  for (const auto& [split, memory] : std::vector<std::pair<std::string, std::string>>{
           {"1KiB", "64KiB"}, {"64MiB", "256MiB"}, {"5KiB", "128KiB"}}) {
    auto ran = run_job(
        join_job("full", split, split, "parallelism: 3\nmemory_per_task: " + memory + "\n"));
    ASSERT_EQ(ran.exit_code, 0) << "seed " << seed << " split " << split << "\n" << ran.err;
    std::vector<std::string> parts;
    for (const std::string& name : part_files(dir_ / "out")) {
      parts.push_back(read_file(dir_ / ("out/" + name)));
    }
    ASSERT_EQ(parts.size(), 3u);
    if (first.empty()) {
      first = parts;
    } else {
      EXPECT_EQ(parts, first) << "seed " << seed << " split " << split << " memory " << memory;
    }
  }
}

// The coordinator killed at each point of the exchange's protocol (a map
// output published, the bucket tasks planned, a part published, the
// manifest written) and run again on its state finishes with the parts of
// an uninterrupted run.
TEST_F(JoinJob, KilledAtEachExchangePointResumesToTheSameParts) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  Inputs inputs;
  do {  // enough of both for 5 map tasks of 6 KiB
    inputs = write_inputs(random);
  } while (inputs.left.size() < 1500 || inputs.right.size() < 1500);
  auto job_into = [&](const std::string& output) {
    std::string job = join_job("full", "6KiB", "6KiB", "parallelism: 3\n");
    const std::string from = "path: out, mode: overwrite";
    job.replace(job.find(from), from.size(), "path: " + output);
    return job;
  };
  auto parts_of = [&](const std::string& output) {
    std::vector<std::string> parts;
    for (const std::string& name : part_files(dir_ / output)) {
      parts.push_back(read_file(dir_ / (output + "/" + name)));
    }
    return parts;
  };
  auto ran = run_job(job_into("reference"));
  ASSERT_EQ(ran.exit_code, 0) << "seed " << seed << "\n" << ran.err;
  const std::vector<std::string> reference_parts = parts_of("reference");
  ASSERT_EQ(reference_parts.size(), 3u);
  int case_number = 0;
  for (const char* point : {"map-renamed:2", "map-renamed:5", "buckets-planned", "bucket-renamed",
                            "manifest-written"}) {
    const std::string output = "out" + std::to_string(case_number);
    const std::string state = dir_ / ("state" + std::to_string(case_number++));
    write_file(dir_ / "job.yaml", job_into(output));
    auto crashed = run({"env", std::string("SLUICE_CRASH_AT=") + point, sluice_binary(), "run",
                        "job.yaml", "--workers", "2", "--state", state, "--no-progress"},
                       dir_.path());
    ASSERT_EQ(crashed.exit_code, 128 + 9) << point << " not reached\n" << crashed.err;
    auto resumed = run(
        {sluice_binary(), "run", "job.yaml", "--workers", "2", "--state", state, "--no-progress"},
        dir_.path());
    ASSERT_EQ(resumed.exit_code, 0) << point << "\n" << resumed.err;
    EXPECT_EQ(parts_of(output), reference_parts) << "seed " << seed << " point " << point;
    EXPECT_FALSE(std::filesystem::exists(dir_ / (output + "/_partials"))) << point;
  }
}

// The coordinator killed once the bucket tasks are planned, the right
// side's last map output damaged meanwhile: the resumed run's bucket task
// finds a bucket failing its checksum, that map task runs again, and the
// output is still exact.
TEST_F(JoinJob, ADamagedRightMapOutputRunsItsMapTaskAgain) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  Inputs inputs;
  do {
    inputs = write_inputs(random);
  } while (inputs.right.size() < 1000);
  // The right side in one map task (the last): its output holds all of the
  // right rows, large enough to damage a bucket's bytes (a last 8 KiB split
  // may hold a few rows only).
  write_file(dir_ / "job.yaml", join_job("full", "8KiB", "64MiB", "parallelism: 2\n"));
  auto crashed = run({"env", "SLUICE_CRASH_AT=buckets-planned", sluice_binary(), "run", "job.yaml",
                      "--workers", "2", "--state", dir_ / "state", "--no-progress"},
                     dir_.path());
  ASSERT_EQ(crashed.exit_code, 128 + 9) << "seed " << seed << "\n" << crashed.err;
  std::string damaged;  // the last map output: the right side's
  // output.mode: overwrite builds the output beside out/.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("map-") && name.ends_with(".bin") &&
        (damaged.empty() || name > std::filesystem::path(damaged).filename().string())) {
      damaged = entry.path().string();
    }
  }
  ASSERT_FALSE(damaged.empty()) << "no published map output";
  ASSERT_GT(std::filesystem::file_size(damaged), 400u) << damaged;
  {
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x7e');
  }
  auto resumed = run({sluice_binary(), "run", "job.yaml", "--workers", "2", "--state",
                      dir_ / "state", "--no-progress"},
                     dir_.path());
  ASSERT_EQ(resumed.exit_code, 0) << "seed " << seed << "\n" << resumed.err;
  EXPECT_NE(resumed.err.find("map output lost"), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find("fails its checksum"), std::string::npos) << resumed.err;
  size_t parts = 0;
  EXPECT_EQ(output_lines(dir_ / "out", &parts), reference(inputs, "full")) << "seed " << seed;
  EXPECT_EQ(parts, 2u);
}

// A left join of a small right file with unique keys runs as a lookup
// (map-only); a key twice in it sends the same job through the exchange.
// Both give the reference rows.
TEST_F(JoinJob, ASmallRightSideWithUniqueKeysIsBroadcast) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (const bool duplicate : {false, true}) {
    Inputs inputs = write_inputs(random);
    inputs.right.clear();
    std::string right = "key,b,c\n";
    for (int64_t i = 0; i < 400; ++i) {
      RightRow row{std::to_string(i * 2), i, i % 3 == 0 ? "q,r" : "p"};
      inputs.right.push_back(row);
      right += *row.key + "," + std::to_string(row.b) + "," + csv_field(row.c) + "\n";
    }
    if (duplicate) {
      inputs.right.push_back(RightRow{"4", 400, "dup"});
      right += "4,400,dup\n";
    }
    write_file(dir_ / "right.csv", right);
    const std::string what =
        "seed " + std::to_string(seed) + " duplicate " + std::to_string(duplicate);
    auto ran = run_job(
        "name: broadcast\n"
        "input: {path: left.csv, split_size: 4KiB}\n"
        "schema: {columns: {k: {type: int64}, n: {type: int64}}}\n"
        "steps:\n"
        "  - filter: \"n % 7 != 3\"\n"
        "  - join: {input: {path: right.csv}, on: {k: key}, how: left}\n"
        "  - drop: [a]\n"
        "parallelism: 3\n"
        "output: {path: out, mode: overwrite}\n");
    ASSERT_EQ(ran.exit_code, 0) << what << "\n" << ran.err;
    const std::string plan = duplicate ? "plan=exchange" : "plan=broadcast";
    EXPECT_NE(ran.err.find(plan), std::string::npos) << what << "\n" << ran.err;
    size_t parts = 0;
    EXPECT_EQ(output_lines(dir_ / "out", &parts), reference(inputs, "left")) << what;
    EXPECT_EQ(read_file(dir_ / "out/part-00000.csv").substr(0, 8), "k,n,b,c\n") << what;
    EXPECT_EQ(rejects_from(dir_ / "out", "/left.csv"), inputs.left_bad) << what;
  }
}

TEST_F(JoinJob, RefusesWhatItDoesNotSupportWithExitCode2) {
  std::mt19937_64 random(7);
  write_inputs(random);
  struct Case {
    std::string steps;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"  - join: {input: {path: right.csv}, on: {k: key}}\n"
       "  - aggregate: {by: [k], aggs: {c: \"count(*)\"}}\n",
       "cannot be in a job with a join"},
      {"  - join: {input: {path: right.csv}, on: {k: key}}\n  - sort: [k]\n",
       "cannot be in a job with a join"},
      {"  - join: {input: {path: right.csv}, on: {k: key}, columns: [b]}\n"
       "  - join: {input: {path: right.csv}, on: {k: key}, columns: [c]}\n",
       "one join per job"},
      {"  - join: {input: {path: right.csv}, on: {k: nope}}\n", "'nope' is not a column"},
      {"  - join: {input: {path: right.csv}, on: {nope: key}}\n", "'nope' is not a column"},
      {"  - join: {input: {path: right.csv}, on: {k: key}, columns: [a]}\n",
       "'a' is not a column of the join's input"},
      {"  - join: {input: {path: right.csv}, on: {k: key}, columns: {n: b}}\n",
       "which the rows already have"},
      {"  - join: {input: {path: right.csv}, on: {k: key}, how: outer}\n",
       "expected inner, left, right, full, semi or anti"},
      {"  - join: {input: {path: right.csv}, on: {k: key}, how: semi, columns: [b]}\n",
       "semi or anti join keeps only"},
      {"  - join: {input: {path: right.csv, colour: red}, on: {k: key}}\n",
       "steps[0].join.input.colour"},
      {"  - join: {input: {path: missing.csv}, on: {k: key}}\n", "steps[0].join.input.path"},
  };
  for (const Case& c : cases) {
    auto ran = run_job("name: refused\ninput: {path: left.csv}\nsteps:\n" + c.steps +
                       "output: {path: out, mode: overwrite}\n");
    EXPECT_EQ(ran.exit_code, 2) << c.steps << ran.err;
    EXPECT_NE(ran.err.find(c.message), std::string::npos) << c.steps << ran.err;
  }
}

}  // namespace
}  // namespace sluice::testing
