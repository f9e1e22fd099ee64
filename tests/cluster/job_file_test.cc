// A real `sluice worker` against a coordinator this test plays (a ROUTER):
// a Task of a job whose file the worker has not got is refused
// (Failed.job_file_missing, retryable: nothing ran); the Task carrying the
// file runs, and so does a later Task of the job without it (the worker
// keeps the file by job id: worker/compiled_jobs.h).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <variant>

#include "common/job/inputs.h"
#include "proto/link.h"
#include "tests/support/cluster.h"
#include "tests/support/next_message.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

TEST(JobFiles, AWorkerRefusesATaskWithoutItsJobFileAndKeepsTheFileOnceSent) {
  TempDir dir;
  write_file(dir / "in.csv", "id,name\n1,a\n2,b\n3,c\n");
  const std::string job_yaml =
      "name: files\ninput: {path: in.csv}\nsteps:\n  - filter: \"id <> '2'\"\n"
      "output: {path: out/}\n";
  auto input = stat_input(dir / "in.csv");
  ASSERT_TRUE(input.is_ok());
  PlayedCoordinator played(dir);
  ASSERT_TRUE(played.link) << played.error;
  ASSERT_TRUE(played.registration.has_value()) << played.worker_log();
  proto::Link& link = *played.link;
  const std::string& peer = played.peer;
  Process& worker = *played.worker;
  ASSERT_TRUE(link.send_to(peer, proto::Welcome{"test", 250, 3000}).is_ok());

  auto task = [&](uint32_t attempt, bool with_job_file) {
    proto::Task task;
    task.job_id = "job-files";
    task.partition = 0;
    task.attempt = attempt;
    if (with_job_file) task.spec_yaml = job_yaml;
    task.base_dir = dir.path();
    task.input = ByteRange{.path = input->path,
                           .begin_offset = 0,
                           .end_offset = input->size_bytes,
                           .start_is_exact = true,
                           .file_size_bytes = input->size_bytes,
                           .file_mtime_ns = input->mtime_ns};
    task.temp_path = dir / ("part-attempt-" + std::to_string(attempt) + ".csv");
    task.rejects_temp_path = dir / ("rejects-" + std::to_string(attempt) + ".csv");
    return task;
  };

  // Never sent the file: refused, nothing written.
  ASSERT_TRUE(link.send_to(peer, task(1, false)).is_ok());
  auto refused = next_message<proto::Failed>(link);
  ASSERT_TRUE(refused.has_value()) << read_file(dir / "worker.log");
  EXPECT_EQ(refused->attempt.attempt, 1u);
  EXPECT_TRUE(refused->job_file_missing) << refused->message;
  EXPECT_TRUE(refused->retryable);
  EXPECT_FALSE(refused->no_free_slot);
  EXPECT_FALSE(fs::exists(dir / "part-attempt-1.csv"));

  // Sent with the file: runs.
  ASSERT_TRUE(link.send_to(peer, task(2, true)).is_ok());
  auto done = next_message<proto::Done>(link);
  ASSERT_TRUE(done.has_value()) << read_file(dir / "worker.log");
  EXPECT_EQ(done->attempt.attempt, 2u);
  EXPECT_EQ(done->stats.rows_out, 2u);

  // The job's next Task comes without it: the worker kept it.
  ASSERT_TRUE(link.send_to(peer, task(3, false)).is_ok());
  auto again = next_message<proto::Done>(link);
  ASSERT_TRUE(again.has_value()) << read_file(dir / "worker.log");
  EXPECT_EQ(again->attempt.attempt, 3u);
  EXPECT_EQ(again->stats.rows_out, 2u);
  EXPECT_EQ(read_file(dir / "part-attempt-3.csv"), read_file(dir / "part-attempt-2.csv"));
  worker.signal(SIGTERM);
  worker.wait();
}

}  // namespace
}  // namespace sluice::testing
