// Durable publication: rename without replacing, idempotent redo, atomic
// small files, directories, checksums.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/base/hash.h"
#include "common/io/publish.h"

namespace sluice {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-pub-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(PublishFile, RenamesTheTemporaryFile) {
  TempDir dir;
  write(dir / "_temporary/p0-a1.csv", "rows\n");
  auto outcome = publish_file(dir / "_temporary/p0-a1.csv", dir / "part-00000.csv");
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_EQ(*outcome, PublishOutcome::kPublished);
  EXPECT_EQ(read(dir / "part-00000.csv"), "rows\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "_temporary/p0-a1.csv"));
}

TEST(PublishFile, NeverReplacesAPublishedFile) {
  TempDir dir;
  write(dir / "part-00000.csv", "winner\n");
  write(dir / "_temporary/p0-a2.csv", "loser\n");
  auto outcome = publish_file(dir / "_temporary/p0-a2.csv", dir / "part-00000.csv");
  ASSERT_FALSE(outcome.is_ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(read(dir / "part-00000.csv"), "winner\n");
  EXPECT_TRUE(std::filesystem::exists(dir / "_temporary/p0-a2.csv"));
}

TEST(PublishFile, RedoAfterCrashReportsAlreadyPublished) {
  TempDir dir;
  write(dir / "_temporary/p0-a1.csv", "rows\n");
  ASSERT_TRUE(publish_file(dir / "_temporary/p0-a1.csv", dir / "part-00000.csv").is_ok());
  auto again = publish_file(dir / "_temporary/p0-a1.csv", dir / "part-00000.csv");
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(*again, PublishOutcome::kAlreadyPublished);
  EXPECT_EQ(read(dir / "part-00000.csv"), "rows\n");
}

TEST(PublishFile, RedoAfterCrashBetweenLinkAndUnlinkFinishes) {
  TempDir dir;
  write(dir / "_temporary/p0-a1.csv", "rows\n");
  std::filesystem::create_hard_link(dir / "_temporary/p0-a1.csv", dir / "part-00000.csv");
  auto outcome = publish_file(dir / "_temporary/p0-a1.csv", dir / "part-00000.csv");
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().to_string();
  EXPECT_EQ(*outcome, PublishOutcome::kAlreadyPublished);
  EXPECT_FALSE(std::filesystem::exists(dir / "_temporary/p0-a1.csv"));
}

TEST(PublishFile, MissingBothFilesIsNotFound) {
  TempDir dir;
  auto outcome = publish_file(dir / "nope.tmp", dir / "nope.csv");
  ASSERT_FALSE(outcome.is_ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kNotFound);
}

TEST(WriteFileAtomically, ReplacesContentsAndLeavesNoTemporaryFile) {
  TempDir dir;
  std::string path = dir / "out/_MANIFEST.json";
  ASSERT_TRUE(write_file_atomically(path, "{\"v\":1}").is_ok());
  ASSERT_TRUE(write_file_atomically(path, "{\"v\":2}").is_ok());
  EXPECT_EQ(read(path), "{\"v\":2}");
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "out")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(MakeDirectories, CreatesNestedAndAcceptsExisting) {
  TempDir dir;
  ASSERT_TRUE(make_directories(dir / "a/b/c").is_ok());
  ASSERT_TRUE(make_directories(dir / "a/b/c").is_ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "a/b/c"));
  write(dir / "file", "x");
  EXPECT_FALSE(make_directories(dir / "file/sub").is_ok());
}

TEST(Fsync, WorksOnFilesAndDirectoriesAndReportsMissing) {
  TempDir dir;
  write(dir / "f", "x");
  EXPECT_TRUE(fsync_path(dir / "f").is_ok());
  EXPECT_TRUE(fsync_directory(dir / "").is_ok());
  EXPECT_FALSE(fsync_path(dir / "missing").is_ok());
}

TEST(ChecksumFile, IsXxh64OfTheBytes) {
  TempDir dir;
  std::string text(3 << 20, 'q');
  text += "tail";
  write(dir / "big", text);
  auto checksum = checksum_file(dir / "big");
  ASSERT_TRUE(checksum.is_ok());
  EXPECT_EQ(*checksum, hash64(text));
  EXPECT_EQ(checksum_file(dir / "missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice
