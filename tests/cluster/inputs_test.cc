// Inputs end to end through `sluice run`: JSON Lines, compressed files, HTTP
// (a real nginx), an input that changes while the job runs, and bad input of
// every kind (rejects with reasons, never a crash, `sluice verify` exact).
#include <gtest/gtest.h>
#include <zstd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"
#include "tests/unit/io_http_nginx.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class Inputs : public ::testing::Test {
 protected:
  std::string write_job(const std::string& name, const std::string& text) {
    const std::string path = dir_ / name;
    write_file(path, text);
    return path;
  }

  CommandResult run_job(const std::string& job, int workers = 2) {
    return run({sluice_binary(), "run", job, "--workers", std::to_string(workers), "--state",
                dir_ / ("state-" + fs::path(job).stem().string()), "--no-progress"},
               dir_.path());
  }

  void expect_verified(const std::string& out) {
    auto verified = run({sluice_binary(), "verify", out});
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  }

  // Every rejects file of an output, in name order, header rows included.
  std::string rejects_of(const std::string& out) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(out + "/_rejects", error)) {
      names.push_back(entry.path().string());
    }
    std::sort(names.begin(), names.end());
    std::string text;
    for (const std::string& name : names) text += read_file(name);
    return text;
  }

  void generate(const std::string& path, uint64_t rows, uint64_t seed) {
    auto result = run({sluice_binary(), "gen", "parking", "--rows", std::to_string(rows), "--seed",
                       std::to_string(seed), "--out", path});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  TempDir dir_;
};

std::string zstd_bytes(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
  return out;
}

// --- JSON Lines and compressed inputs --------------------------------------

std::string jsonl_job(const std::string& input, const std::string& out, const std::string& split) {
  return "name: jsonl-test\n"
         "input:\n  path: " +
         input + "\n  format: jsonl\n  split_size: " + split +
         "\n"
         "schema:\n  columns:\n    amount: {type: int64}\n"
         "steps:\n  - filter: \"amount >= 10\"\n"
         "  - select: {id: id, who: name, amount: amount, tags: tags}\n"
         "output:\n  path: " +
         out + "\n";
}

TEST_F(Inputs, JsonlSplitAnywhereAndCompressedGiveTheSameOutput) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  std::string text;
  std::string expected = "id,who,amount,tags\n";
  uint64_t kept = 0;
  for (int i = 0; i < 3000; ++i) {
    const int amount = static_cast<int>(random() % 20);
    const std::string name = i % 7 == 0 ? "O'Brien, \\\"Jr\\\"" : "n" + std::to_string(i);
    const std::string shown = i % 7 == 0 ? "\"O'Brien, \"\"Jr\"\"\"" : "n" + std::to_string(i);
    text += "{\"id\": " + std::to_string(i) + ", \"name\": \"" + name +
            "\", \"amount\": " + std::to_string(amount) + ", \"tags\": [" + std::to_string(i % 3) +
            "]}\n";
    if (amount >= 10) {
      expected += std::to_string(i) + "," + shown + "," + std::to_string(amount) + ",[" +
                  std::to_string(i % 3) + "]\n";
      kept++;
    }
  }
  write_file(dir_ / "in.jsonl", text);
  write_file(dir_ / "in.jsonl.zst", zstd_bytes(text));
  ASSERT_GT(kept, 100u);

  auto small = run_job(write_job("small.yaml", jsonl_job("in.jsonl", "out-small/", "1KiB")));
  ASSERT_EQ(small.exit_code, 0) << small.err;
  auto whole = run_job(write_job("whole.yaml", jsonl_job("in.jsonl", "out-whole/", "64MiB")));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  auto zst = run_job(write_job("zst.yaml", jsonl_job("in.jsonl.zst", "out-zst/", "1KiB")));
  ASSERT_EQ(zst.exit_code, 0) << zst.err;

  EXPECT_GT(part_files(dir_ / "out-small").size(), 50u);
  EXPECT_EQ(part_files(dir_ / "out-zst").size(), 1u);  // a compressed file is one partition
  EXPECT_EQ(concat_parts(dir_ / "out-small"), expected) << "seed=" << seed;
  EXPECT_EQ(concat_parts(dir_ / "out-whole"), expected);
  EXPECT_EQ(concat_parts(dir_ / "out-zst"), expected);
  expect_verified(dir_ / "out-small");
  expect_verified(dir_ / "out-zst");
}

TEST_F(Inputs, GzipCsvIsOnePartitionWithTheRowsOfThePlainFile) {
  generate(dir_ / "parking.csv", 3000, 11);
  ASSERT_EQ(run({"gzip", "-k", dir_ / "parking.csv"}).exit_code, 0);
  auto plain = run_job(write_job("plain.yaml", w1_job("parking.csv", "out-plain/", "16KiB")));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto gz = run_job(write_job("gz.yaml", w1_job("parking.csv.gz", "out-gz/", "16KiB")));
  ASSERT_EQ(gz.exit_code, 0) << gz.err;
  EXPECT_EQ(part_files(dir_ / "out-gz").size(), 1u);
  EXPECT_EQ(concat_parts(dir_ / "out-gz"), concat_parts(dir_ / "out-plain"));
  expect_verified(dir_ / "out-gz");
}

// --- HTTP ----------------------------------------------------------------------

TEST_F(Inputs, W1OverHttpRangesMatchesTheLocalFile) {
  fs::create_directories(dir_ / "www");
  Nginx nginx(dir_ / "www", dir_ / "nginx");
  if (!nginx.started()) GTEST_SKIP() << "skipped: " << nginx.error();
  generate(dir_ / "www/parking.csv", 20000, 5);

  auto local = run_job(write_job("local.yaml", w1_job("www/parking.csv", "out-local/", "64KiB")));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto http =
      run_job(write_job("http.yaml", w1_job(nginx.url("parking.csv"), "out-http/", "64KiB")));
  ASSERT_EQ(http.exit_code, 0) << http.err;

  const auto parts = part_files(dir_ / "out-http");
  EXPECT_GT(parts.size(), 40u);
  EXPECT_EQ(parts, part_files(dir_ / "out-local"));
  for (const std::string& part : parts) {
    EXPECT_EQ(read_file(dir_ / ("out-http/" + part)), read_file(dir_ / ("out-local/" + part)))
        << part;
  }
  expect_verified(dir_ / "out-http");
  // The workers read with Range requests: many 206 answers.
  const std::string log = nginx.access_log();
  size_t ranged = 0;
  for (size_t at = log.find("\" 206 "); at != std::string::npos; at = log.find("\" 206 ", at + 1)) {
    ranged++;
  }
  EXPECT_GT(ranged, parts.size());
  // The manifest records the URL as the input.
  EXPECT_NE(read_file(dir_ / "out-http/_MANIFEST.json").find(nginx.url("parking.csv")),
            std::string::npos);
}

// --- an input that changes under the job ----------------------------------

TEST_F(Inputs, AppendingToTheInputWhileTheJobRunsFailsItAndPublishesNoManifest) {
  const std::string input = dir_ / "parking.csv";
  generate(input, 30000, 3);
  const std::string job = write_job("slow.yaml", passthrough_job(input, "out/", "4KiB"));
  Process running(
      {sluice_binary(), "run", job, "--workers", "1", "--state", dir_ / "state", "--no-progress"},
      dir_ / "run.log", dir_.path());
  // Append as soon as the first part is published: most partitions are still to run.
  bool appended = false;
  for (int i = 0; i < 600 && running.running(); ++i) {
    if (fs::exists(dir_ / "out/part-00001.csv")) {
      std::ofstream(input, std::ios::app) << "appended,row\n";
      appended = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(appended) << "the job ended before the input could be changed: " +
                               read_file(dir_ / "run.log");
  const int exit_code = running.wait();
  const std::string log = read_file(dir_ / "run.log");
  EXPECT_EQ(exit_code, 1) << log;
  EXPECT_NE(log.find(input), std::string::npos) << log;
  EXPECT_NE(log.find("changed"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir_ / "out/_SUCCESS"));
  EXPECT_FALSE(fs::exists(dir_ / "out/_MANIFEST.json"));
}

// --- bad input ---------------------------------------------------------------

std::string bad_input_job(const std::string& input, const std::string& out,
                          const std::string& extra = "") {
  return "name: bad-input\ninput:\n  path: " + input +
         "\n  split_size: 256\n  max_record_size: 1KiB\n" + extra + "output:\n  path: " + out +
         "\n";
}

struct BadCase {
  std::string name;
  std::string text;
  std::string reason;      // expected in the rejects
  uint64_t offset;         // of the first reject
  uint64_t rows_expected;  // rows in the output
};

TEST_F(Inputs, BadInputGoesToRejectsWithReasonsAndVerifies) {
  std::string good;
  for (int i = 0; i < 50; ++i) good += std::to_string(i) + ",name " + std::to_string(i) + ",x\n";
  const std::string header = "id,name,note\n";
  const uint64_t bad_at = header.size() + good.size();
  const std::vector<BadCase> cases = {
      {"truncated.csv", header + good + "50,\"cut in the mi", "unterminated quoted field", bad_at,
       50},
      {"fields.csv", header + good + "50,too,many,fields\n51,few\n" + good,
       "expected 3 fields, found 4", bad_at, 100},
      {"utf8.csv", header + good + "50,caf\xC3\x28,x\n" + good,
       "invalid UTF-8 at byte 6 of the record", bad_at, 100},
      {"long.csv", header + good + "50,\"" + std::string(3000, 'y') + "\",x\n" + good,
       "record longer than max_record_size (1024 bytes)", bad_at, 100},
  };
  for (const BadCase& bad : cases) {
    SCOPED_TRACE(bad.name);
    write_file(dir_ / bad.name, bad.text);
    const std::string out = "out-" + bad.name + "/";
    auto result = run_job(write_job(bad.name + ".yaml", bad_input_job(bad.name, out)));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const std::string rows = concat_parts(dir_ / out);
    EXPECT_EQ(static_cast<uint64_t>(std::count(rows.begin(), rows.end(), '\n')),
              bad.rows_expected + 1);
    const std::string rejects = rejects_of(dir_ / out);
    EXPECT_TRUE(rejects.starts_with("source_file,offset,reason,record\n")) << rejects;
    const std::string reason =
        bad.reason.find(',') != std::string::npos ? "\"" + bad.reason + "\"" : bad.reason;
    EXPECT_NE(rejects.find(dir_ / bad.name + "," + std::to_string(bad.offset) + "," + reason),
              std::string::npos)
        << rejects;
    expect_verified(dir_ / out);
  }
  // The raw record is kept: the cut quoted field, the wrong row.
  EXPECT_NE(rejects_of(dir_ / "out-truncated.csv/").find("cut in the mi"), std::string::npos);
  EXPECT_NE(rejects_of(dir_ / "out-fields.csv/").find("51,few"), std::string::npos);
}

TEST_F(Inputs, RandomBytesNeverCrashAndTooManyRejectsFailWithAReason) {
  const uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  std::string noise(16 << 10, '\0');
  for (char& c : noise) c = static_cast<char>(random() % 256);
  // After a good header: every record is read, rejected or kept; verify is exact.
  write_file(dir_ / "noise.csv", "a,b,c\n" + noise);
  auto result = run_job(write_job("noise.yaml", bad_input_job("noise.csv", "out-noise/")));
  ASSERT_EQ(result.exit_code, 0) << "seed=" << seed << " " << result.err;
  EXPECT_NE(rejects_of(dir_ / "out-noise/").find("noise.csv,"), std::string::npos);
  expect_verified(dir_ / "out-noise");

  // With a reject limit the same input fails the job with a one-line reason.
  auto limited = run_job(write_job(
      "limited.yaml", bad_input_job("noise.csv", "out-limited/", "rejects:\n  max_ratio: 0.01\n")));
  EXPECT_EQ(limited.exit_code, 1) << limited.err;
  EXPECT_NE(limited.err.find("reject"), std::string::npos) << limited.err;
  EXPECT_FALSE(fs::exists(dir_ / "out-limited/_SUCCESS"));

  // Random bytes from the first byte (no sane header): never a crash.
  write_file(dir_ / "raw.csv", noise);
  auto raw = run_job(write_job("raw.yaml", bad_input_job("raw.csv", "out-raw/")));
  EXPECT_TRUE(raw.exit_code == 0 || raw.exit_code == 1 || raw.exit_code == 2)
      << "seed=" << seed << " exit=" << raw.exit_code << " " << raw.err;
  if (raw.exit_code == 0) {
    expect_verified(dir_ / "out-raw");
  } else {
    EXPECT_FALSE(raw.err.empty());
  }

  // JSON Lines of random bytes after a good first object.
  write_file(dir_ / "noise.jsonl", "{\"a\": 1}\n" + noise);
  auto json = run_job(write_job(
      "noise-jsonl.yaml",
      "name: noise-jsonl\ninput:\n  path: noise.jsonl\n  format: jsonl\n  split_size: 1KiB\n"
      "  max_record_size: 1KiB\noutput:\n  path: out-jsonl/\n"));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(rejects_of(dir_ / "out-jsonl/").find("invalid"), std::string::npos);
  expect_verified(dir_ / "out-jsonl");
}

}  // namespace
}  // namespace sluice::testing
