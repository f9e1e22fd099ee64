// output.mode on an s3:// prefix, against a real s3rver on loopback
// (tests/support/s3_server.h): append adds the parts the same jobs add to a
// local directory, byte for byte, under one manifest of both; overwrite
// replaces a prefix's output with the new one (an aggregate here), deleting
// the old objects only once the new manifest is in place, and a coordinator
// killed while deleting them resumes to the same objects.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/cluster/s3_output_fixture.h"

namespace sluice::testing {
namespace {

using S3OutputModes = S3OutputFixture;

std::string with_mode(std::string text, const std::string& mode) {
  text.replace(text.find("  format: csv\n"), 14, "  format: csv\n  mode: " + mode + "\n");
  return text;
}

// The parts a manifest lists, concatenated in its order.
std::string parts_bytes(const Objects& objects) {
  std::string bytes;
  const nlohmann::json manifest = nlohmann::json::parse(objects.at("_MANIFEST.json"));
  for (const auto& part : manifest.at("parts")) {  // not a temporary's member: it would dangle
    bytes += objects.at(part.at("file").get<std::string>());
  }
  return bytes;
}

TEST_F(S3OutputModes, AppendAddsTheLocalPartsAndOverwriteReplacesOnceComplete) {
  start();
  if (!client_) return;
  const std::string brooklyn = "  - filter: \"county = 'K'\"\n";
  // Append: a job's output, then another job's parts after it.
  for (const std::string& where : {std::string("out-append"), url("out/append")}) {
    auto first = run_job("first.yaml", job("parking.csv", where));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    auto added =
        run_job("added.yaml", with_mode(job("parking.csv", where, "csv", brooklyn), "append"));
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  expect_same_output("out-append", "out/append");
  const auto manifest = nlohmann::json::parse(s3_objects("out/append").at("_MANIFEST.json"));
  EXPECT_EQ(manifest.at("job_ids").size(), 2u);

  // Overwrite: the map-only output under out/over replaced by an aggregate's.
  const std::string aggregate =
      "  - aggregate: {by: [make, county], aggs: {n: \"count(*)\"}}\nparallelism: 3\n";
  auto local = run_job("local-agg.yaml", job("parking.csv", "out-agg", "csv", aggregate));
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto old = run_job("old.yaml", job("parking.csv", url("out/over")));
  ASSERT_EQ(old.exit_code, 0) << old.err;
  const Objects before = s3_objects("out/over");
  const std::string text =
      with_mode(job("parking.csv", url("out/over"), "csv", aggregate), "overwrite");
  // Killed once the new manifest is in place and an old object is deleted:
  // the new output is whole, old objects are left, the run again removes them.
  auto crashed = run_job("over.yaml", text, "s3-replaced-removed");
  ASSERT_EQ(crashed.exit_code, 128 + 9) << crashed.err;
  Objects middle = s3_objects("out/over");
  EXPECT_EQ(parts_bytes(middle), parts_bytes(local_files("out-agg")));
  size_t old_left = 0;
  for (const auto& [name, bytes] : before) old_left += middle.count(name) != 0 && name[0] != '_';
  EXPECT_GT(old_left, 0u) << "the crash came after the first deletion";
  auto resumed = run_job("over.yaml", text);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const Objects after = s3_objects("out/over");
  const auto replaced = nlohmann::json::parse(after.at("_MANIFEST.json"));
  EXPECT_EQ(parts_bytes(after), parts_bytes(local_files("out-agg")));
  // Only the new output's objects: its parts, its rejects, manifest, _SUCCESS.
  EXPECT_EQ(after.size(), replaced.at("parts").size() + replaced.at("rejects").size() + 2);
  for (const auto& [name, bytes] : before) {
    if (name[0] != '_') {
      EXPECT_EQ(after.count(name), 0u) << name << " of the old output is left";
    }
  }
  EXPECT_EQ(replaced.at("rows_rejected"), 1);
}

}  // namespace
}  // namespace sluice::testing
