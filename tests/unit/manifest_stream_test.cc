// A manifest streamed list by list (coordinator/manifest_stream.h) is the
// text the whole tree printed: byte for byte, so `sluice verify` and every
// reader of _MANIFEST.json see no change.
#include "coordinator/manifest_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "coordinator/json_text.h"
#include "tests/support/cluster.h"

namespace sluice {
namespace {

using nlohmann::json;

// A manifest-shaped tree: nested arrays and objects in its lists, an empty
// list, strings that are not UTF-8, keys that sort around the lists.
json manifest_tree(size_t parts) {
  json tree = {{"format_version", 1},
               {"job_id", "j1"},
               {"name", std::string("n\xff\x01\n\"")},
               {"partition_by", json::array({"a", "b"})},
               {"partitions", json::array()},
               {"parts", json::array()},
               {"rejects", json::array()},
               {"rows_in", 7},
               {"aggregate", false},
               {"zzz", json::object()}};
  for (size_t i = 0; i < parts; ++i) {
    tree["partitions"].push_back({{"partition", i},
                                  {"input_range", {i * 100, i * 100 + 100}},
                                  {"input_file", std::string("/in/\xc3(") + std::to_string(i)}});
    tree["parts"].push_back({{"file", "part-" + std::to_string(i)}, {"rows", i}});
  }
  return tree;
}

void stream_tree(const json& tree, TextSink& sink) {
  json head = tree;
  for (const char* list : {"partitions", "parts", "rejects"}) head[list] = streamed_list();
  Status written =
      write_streamed_json(sink, head, [&](const std::string& list, JsonListWriter& writer) {
        for (const json& entry : tree.at(list)) SLUICE_RETURN_IF_ERROR(writer.add(entry));
        return Status::ok();
      });
  EXPECT_TRUE(written.is_ok()) << written.to_string();
}

TEST(ManifestStream, WritesTheTextTheWholeTreePrints) {
  for (size_t parts : {0u, 1u, 3u}) {
    const json tree = manifest_tree(parts);
    StringSink sink;
    stream_tree(tree, sink);
    EXPECT_EQ(sink.text(), json_text(tree, 2) + "\n") << "parts=" << parts;
  }
}

TEST(ManifestStream, AtomicFileSinkWritesTheFileOnlyAtCommit) {
  testing::TempDir dir;
  const std::string path = dir / "_MANIFEST.json";
  const json tree = manifest_tree(5000);  // more than one write of 1 MiB
  {
    auto sink = AtomicFileSink::create(path);
    ASSERT_TRUE(sink.is_ok());
    stream_tree(tree, **sink);
    // Not committed: no file, and the temporary one goes with the sink.
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            0);
  auto sink = AtomicFileSink::create(path);
  ASSERT_TRUE(sink.is_ok());
  stream_tree(tree, **sink);
  ASSERT_TRUE((*sink)->commit().is_ok());
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), json_text(tree, 2) + "\n");
}

// A random string: plain ASCII, escapes, control bytes, UTF-8 and bytes
// that are not UTF-8.
std::string random_text(std::mt19937_64& random) {
  static const std::vector<std::string> pieces = {"a",       "Z",        "/in/part-00001.csv",
                                                  " ",       "\"",       "\\",
                                                  "\n",      "\t",       "\x01",
                                                  "\x7f",    "\xc3\xa9", "\xe2\x82\xac",
                                                  "\xff",    "\xc3(",    "\xf0\x9f\x98\x80",
                                                  "\xe2\x82"};
  std::string text;
  const size_t count = random() % 6;
  for (size_t i = 0; i < count; ++i) text += pieces[random() % pieces.size()];
  return text;
}

// A flat entry prints what nlohmann prints for the same object, in a list.
TEST(ManifestStream, AFlatEntryPrintsAsItsTreeDoes) {
  const uint64_t seed = testing::test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 2000; ++round) {
    std::vector<JsonEntry> entries(1 + random() % 3);
    for (JsonEntry& entry : entries) {
      // Keys in an order that is not sorted, as the manifest adds them.
      entry.number("partition", random() % 100000)
          .text("input_file", random_text(random))
          .pair("input_range", random(), random() % 1000)
          .number("attempt", random() % 4);
      if (random() % 2) entry.text("checksum", random_text(random));
      if (random() % 2) entry.number("zeta", random());
    }
    json tree = {{"parts", json::array()}, {"rows_in", 1}};
    for (const JsonEntry& entry : entries) tree["parts"].push_back(entry.to_json());
    json head = tree;
    head["parts"] = streamed_list();
    StringSink sink;
    ASSERT_TRUE(write_streamed_json(sink, head, [&](const std::string&, JsonListWriter& writer) {
                  for (const JsonEntry& entry : entries) SLUICE_RETURN_IF_ERROR(writer.add(entry));
                  return Status::ok();
                }).is_ok());
    ASSERT_EQ(sink.text(), json_text(tree, 2) + "\n") << "seed=" << seed << " round=" << round;
  }
}

}  // namespace
}  // namespace sluice
