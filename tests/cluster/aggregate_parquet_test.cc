// An aggregate job with Parquet output: the coordinator's merge writes typed
// columns (the pipeline's output types), not strings. Checked in the file's
// footer: the schema's physical types.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "common/parquet/thrift_compact.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

using parquet::CompactReader;
using parquet::CompactType;

// Parquet physical types (parquet.thrift Type).
constexpr int64_t kInt64 = 2;
constexpr int64_t kDouble = 5;
constexpr int64_t kByteArray = 6;

// Column name -> physical type, from the footer's schema (FileMetaData field 2).
std::map<std::string, int64_t> column_types(const std::string& path) {
  const std::string file = read_file(path);
  EXPECT_GE(file.size(), 12u);
  uint32_t footer_bytes = 0;
  std::memcpy(&footer_bytes, file.data() + file.size() - 8, 4);
  CompactReader reader(std::string_view(file).substr(file.size() - 8 - footer_bytes, footer_bytes));
  std::map<std::string, int64_t> types;
  reader.begin_struct();
  while (true) {
    auto field = reader.read_field_header();
    EXPECT_TRUE(field.is_ok());
    if (!field.is_ok() || field->type == CompactType::kStop) break;
    if (field->id != 2 || field->type != CompactType::kList) {
      EXPECT_TRUE(reader.skip(field->type, 1).is_ok());
      continue;
    }
    auto list = reader.read_list_header();
    for (uint64_t i = 0; i < list->second; ++i) {
      std::string name;
      int64_t type = -1;
      reader.begin_struct();
      while (true) {
        auto element = reader.read_field_header();
        if (!element.is_ok() || element->type == CompactType::kStop) break;
        if (element->id == 1 && element->type == CompactType::kI32) {
          type = reader.read_zigzag().value();
        } else if (element->id == 4 && element->type == CompactType::kBinary) {
          name = std::string(reader.read_binary().value());
        } else {
          EXPECT_TRUE(reader.skip(element->type, 1).is_ok());
        }
      }
      reader.end_struct();
      if (type >= 0) types[name] = type;  // the root has no type
    }
  }
  return types;
}

TEST(AggregateParquet, MergedOutputHasTypedColumns) {
  TempDir dir;
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "3000", "--seed", "7", "--out",
                 dir / "parking.csv"})
                .exit_code,
            0);
  write_file(dir / "job.yaml",
             "name: typed-aggregate\n"
             "input:\n"
             "  path: parking.csv\n"
             "  split_size: 64KiB\n"
             "schema:\n"
             "  columns:\n"
             "    Violation Code: {type: int32}\n"
             "steps:\n"
             "  - aggregate:\n"
             "      by: [\"Registration State\"]\n"
             "      aggs: {tickets: \"count(*)\", mean_code: \"avg(\\\"Violation Code\\\")\","
             " top_code: \"max(\\\"Violation Code\\\")\"}\n"
             "output:\n"
             "  path: out/\n"
             "  format: parquet\n");
  auto result = run({sluice_binary(), "run", dir / "job.yaml", "--workers", "2", "--state",
                     dir / "state", "--no-progress"},
                    dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto types = column_types(dir / "out/part-00000.parquet");
  ASSERT_EQ(types.size(), 4u);
  EXPECT_EQ(types.at("Registration State"), kByteArray);
  EXPECT_EQ(types.at("tickets"), kInt64);
  EXPECT_EQ(types.at("mean_code"), kDouble);
  EXPECT_NE(types.at("top_code"), kByteArray);
  auto verified = run({sluice_binary(), "verify", dir / "out"});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
}

}  // namespace
}  // namespace sluice::testing
