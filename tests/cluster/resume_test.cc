// `sluice run` killed with SIGKILL mid-job and run again resumes: the output
// is identical to an uninterrupted run and parts published before the crash
// are not written again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "tests/cluster/job_files.h"
#include "tests/support/cluster.h"

namespace sluice::testing {
namespace {

std::map<std::string, ino_t> inodes(const std::string& dir) {
  std::map<std::string, ino_t> result;
  for (const std::string& name : part_files(dir)) {
    struct stat info {};
    if (::stat((dir + "/" + name).c_str(), &info) == 0) result[name] = info.st_ino;
  }
  return result;
}

TEST(Resume, RunKilledMidJobResumesWithoutRedoingPublishedParts) {
  TempDir dir;
  ASSERT_EQ(run({sluice_binary(), "gen", "parking", "--rows", "25000", "--seed", "31", "--out",
                 dir / "parking.csv"})
                .exit_code,
            0);
  write_file(dir / "w1.yaml", w1_job(dir / "parking.csv", "out/", "8KiB"));
  const std::vector<std::string> command = {
      sluice_binary(), "run",         dir / "w1.yaml", "--workers", "2",
      "--state",       dir / "state", "--no-progress"};
  {
    Process first(command, dir / "first.log", dir.path());
    for (int i = 0; i < 1000 && part_files(dir / "out").size() < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    first.signal(SIGKILL);
    first.wait();
  }
  const auto before = inodes(dir / "out");
  ASSERT_GE(before.size(), 20u);
  ASSERT_FALSE(std::filesystem::exists(dir / "out/_SUCCESS")) << "the job ended before the kill";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // orphaned workers exit

  auto resumed = run(command, dir.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming job"), std::string::npos) << resumed.err;
  const auto after = inodes(dir / "out");
  for (const auto& [name, inode] : before) {
    ASSERT_TRUE(after.count(name)) << name;
    EXPECT_EQ(after.at(name), inode) << name << " was published again";
  }
  const std::string reference = dir / "reference.csv";
  ASSERT_EQ(run({"python3", source_dir() + "/tests/reference/reference.py", "w1",
                 dir / "parking.csv", reference})
                .exit_code,
            0);
  EXPECT_EQ(concat_parts(dir / "out"), read_file(reference));
  EXPECT_EQ(run({sluice_binary(), "verify", dir / "out"}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "out/_temporary")) << "temporary files left behind";
}

}  // namespace
}  // namespace sluice::testing
