// The simulated filesystem (sim_filesystem.h): what a power cut keeps and
// what it loses, and publish_file's durability through it.
#include "tests/sim/sim_filesystem.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/io/publish.h"

namespace sluice::sim {
namespace {

namespace fs = std::filesystem;

class SimFilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("sluice-simfs-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "dir");
    files_ = std::make_unique<SimFilesystem>((root_ / "trash").string());
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string path(const std::string& name) const { return (root_ / name).string(); }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path root_;
  std::unique_ptr<SimFilesystem> files_;
};

TEST_F(SimFilesystemTest, PowerCutUndoesARenameWhoseDirectoryWasNotSynced) {
  write(path("dir/temp"), "bytes");
  ASSERT_TRUE(files_->rename(path("dir/temp"), path("dir/final"), RenameMode::kNoReplace).is_ok());
  EXPECT_EQ(files_->unsynced_operations(), 1u);
  EXPECT_EQ(files_->power_cut(1).size(), 1u);
  EXPECT_FALSE(fs::exists(path("dir/final")));
  EXPECT_EQ(read(path("dir/temp")), "bytes");
}

TEST_F(SimFilesystemTest, DirectorySyncMakesTheRenameSurviveAPowerCut) {
  write(path("dir/temp"), "bytes");
  ASSERT_TRUE(files_->rename(path("dir/temp"), path("dir/final"), RenameMode::kNoReplace).is_ok());
  ASSERT_TRUE(files_->fsync_directory(path("dir/")).is_ok());  // spelled another way
  EXPECT_EQ(files_->unsynced_operations(), 0u);
  EXPECT_TRUE(files_->power_cut(1).empty());
  EXPECT_EQ(read(path("dir/final")), "bytes");
}

TEST_F(SimFilesystemTest, PowerCutBringsBackTheFileAnUnsyncedRenameReplaced) {
  write(path("dir/final"), "old");
  write(path("dir/temp"), "new");
  ASSERT_TRUE(files_->rename(path("dir/temp"), path("dir/final"), RenameMode::kReplace).is_ok());
  EXPECT_EQ(read(path("dir/final")), "new");
  files_->power_cut(1);
  EXPECT_EQ(read(path("dir/final")), "old");
}

TEST_F(SimFilesystemTest, RenameOutOfARemovedDirectoryIsLostWhole) {
  fs::create_directories(path("tmp"));
  write(path("tmp/part"), "bytes");
  ASSERT_TRUE(files_->rename(path("tmp/part"), path("dir/part"), RenameMode::kNoReplace).is_ok());
  ASSERT_TRUE(files_->remove_all(path("tmp")).is_ok());
  files_->power_cut(1);
  EXPECT_FALSE(fs::exists(path("dir/part")));
  EXPECT_FALSE(fs::exists(path("tmp")));
}

TEST_F(SimFilesystemTest, FileNeverSyncedLosesItsBytesAndItsName) {
  auto file = files_->create_file(path("dir/new"));
  ASSERT_TRUE(file.is_ok());
  ASSERT_TRUE((*file)->append("bytes").is_ok());
  ASSERT_TRUE((*file)->close().is_ok());
  EXPECT_EQ(files_->unsynced_files(), 1u);
  files_->power_cut(0);  // the name survived, the bytes did not
  EXPECT_EQ(fs::file_size(path("dir/new")), 0u);
}

TEST_F(SimFilesystemTest, PowerCutLosesOnlyTheNewestOperationsItIsTold) {
  write(path("dir/a"), "a");
  write(path("dir/b"), "b");
  ASSERT_TRUE(files_->rename(path("dir/a"), path("dir/a2"), RenameMode::kNoReplace).is_ok());
  ASSERT_TRUE(files_->rename(path("dir/b"), path("dir/b2"), RenameMode::kNoReplace).is_ok());
  files_->power_cut(1);
  EXPECT_TRUE(fs::exists(path("dir/a2")));
  EXPECT_TRUE(fs::exists(path("dir/b")));
  EXPECT_FALSE(fs::exists(path("dir/b2")));
  EXPECT_EQ(files_->unsynced_operations(), 0u);
}

TEST_F(SimFilesystemTest, PublishedAndAtomicallyWrittenFilesSurviveAnyPowerCut) {
  write(path("dir/temp"), "part");
  // No directory yet: nothing is published.
  EXPECT_FALSE(publish_file(path("dir/temp"), path("out/part"), *files_).is_ok());
  ASSERT_TRUE(make_directories(path("out"), *files_).is_ok());
  ASSERT_TRUE(publish_file(path("dir/temp"), path("out/part"), *files_).is_ok());
  ASSERT_TRUE(write_file_atomically(path("out/_SUCCESS"), "done", *files_).is_ok());
  EXPECT_EQ(files_->unsynced_operations(), 0u);
  EXPECT_EQ(files_->unsynced_files(), 0u);
  files_->power_cut(100);
  EXPECT_EQ(read(path("out/part")), "part");
  EXPECT_EQ(read(path("out/_SUCCESS")), "done");
}

}  // namespace
}  // namespace sluice::sim
