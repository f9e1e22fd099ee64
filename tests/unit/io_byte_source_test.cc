// FileSource and stat_file on real files.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/io/byte_source.h"

namespace sluice {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-src-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(FileSource, ReadsAtOffsetsAndStopsAtEof) {
  TempDir dir;
  std::ofstream(dir / "f.csv", std::ios::binary) << "0123456789";
  auto source = FileSource::open(dir / "f.csv");
  ASSERT_TRUE(source.is_ok()) << source.status().to_string();
  EXPECT_EQ((*source)->size_bytes(), 10u);
  char buffer[16];
  auto count = (*source)->read_at(3, buffer, 4);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(std::string(buffer, *count), "3456");
  count = (*source)->read_at(8, buffer, 16);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(std::string(buffer, *count), "89");
  count = (*source)->read_at(10, buffer, 16);
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 0u);
}

TEST(FileSource, MissingFileIsNotFound) {
  auto source = FileSource::open("/nonexistent/sluice/file.csv");
  ASSERT_FALSE(source.is_ok());
  EXPECT_EQ(source.status().code(), StatusCode::kNotFound);
}

TEST(FileSource, DirectoryIsRefused) {
  TempDir dir;
  std::filesystem::create_directory(dir / "d");
  EXPECT_FALSE(FileSource::open(dir / "d").is_ok());
}

TEST(StatFile, ChangesWhenTheFileIsRewritten) {
  TempDir dir;
  std::ofstream(dir / "f", std::ios::binary) << "abc";
  auto before = stat_file(dir / "f");
  ASSERT_TRUE(before.is_ok());
  EXPECT_EQ(before->size_bytes, 3u);
  std::filesystem::last_write_time(
      dir / "f", std::filesystem::file_time_type::clock::now() + std::chrono::seconds(5));
  auto after = stat_file(dir / "f");
  ASSERT_TRUE(after.is_ok());
  EXPECT_NE(before->mtime_ns, after->mtime_ns);
  EXPECT_EQ(stat_file(dir / "missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice
