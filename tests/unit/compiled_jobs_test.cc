// A worker keeps job files by job id and compiles each once
// (worker/compiled_jobs.h): the Task that carries a job's file makes it
// known, later Tasks of the job find it, the least recently used of more
// than limits::kWorkerJobFilesMax jobs goes.
#include "worker/compiled_jobs.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/base/limits.h"

namespace sluice {
namespace {

std::string job_yaml(int number) {
  return "name: cached-" + std::to_string(number) +
         "\ninput: {path: in.csv}\nsteps:\n  - filter: \"n > " + std::to_string(number) +
         "\"\noutput: {path: out/}\n";
}

std::string job_id(int number) { return "job-" + std::to_string(number); }

TEST(CompiledJobs, AJobsFileIsCompiledOncePerWorker) {
  CompiledJobs jobs;
  const uint64_t before = job_compilations();
  std::shared_ptr<const JobFile> carried = jobs.put(job_id(1), job_yaml(1000));
  std::shared_ptr<const JobFile> found = jobs.find(job_id(1));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found.get(), carried.get());
  auto first = carried->compiled();
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto again = found->compiled();
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(first.value().get(), again.value().get()) << "the second task parsed the job again";
  EXPECT_EQ(job_compilations() - before, 1u);
  EXPECT_EQ(first.value()->name, "cached-1000");
  EXPECT_EQ(jobs.put(job_id(1), job_yaml(1000)).get(), carried.get())
      << "the same file carried again is the one kept";
}

TEST(CompiledJobs, ATaskOfAJobNeverCarriedFindsNothing) {
  CompiledJobs jobs;
  jobs.put(job_id(1), job_yaml(1));
  EXPECT_EQ(jobs.find(job_id(2)), nullptr);
}

TEST(CompiledJobs, TheLeastRecentlyUsedJobLeavesFirst) {
  CompiledJobs jobs;
  for (int i = 0; i < static_cast<int>(limits::kWorkerJobFilesMax); ++i) {
    jobs.put(job_id(i), job_yaml(i));
  }
  ASSERT_NE(jobs.find(job_id(0)), nullptr);  // job 0 is now the most recently used
  jobs.put(job_id(100), job_yaml(100));
  EXPECT_EQ(jobs.size(), limits::kWorkerJobFilesMax);
  EXPECT_NE(jobs.find(job_id(0)), nullptr) << "a recently used job was evicted";
  EXPECT_EQ(jobs.find(job_id(1)), nullptr) << "the least recently used of 17 jobs is still kept";
}

TEST(CompiledJobs, ATaskRunningKeepsItsJobFileWhenItIsEvicted) {
  CompiledJobs jobs;
  std::shared_ptr<const JobFile> running = jobs.put(job_id(0), job_yaml(0));
  for (int i = 1; i <= static_cast<int>(limits::kWorkerJobFilesMax); ++i) {
    jobs.put(job_id(i), job_yaml(i));
  }
  EXPECT_EQ(jobs.find(job_id(0)), nullptr);
  auto spec = running->compiled();
  ASSERT_TRUE(spec.is_ok());
  EXPECT_EQ(spec.value()->name, "cached-0");
}

TEST(CompiledJobs, ConcurrentFirstTasksOfAJobCompileItOnce) {
  CompiledJobs jobs;
  std::shared_ptr<const JobFile> file = jobs.put(job_id(7), job_yaml(7));
  const uint64_t before = job_compilations();
  std::vector<std::thread> tasks;
  std::vector<const JobSpec*> seen(4, nullptr);
  for (size_t i = 0; i < seen.size(); ++i) {
    tasks.emplace_back([&, i] { seen[i] = file->compiled().value().get(); });
  }
  for (std::thread& task : tasks) task.join();
  EXPECT_EQ(job_compilations() - before, 1u);
  for (const JobSpec* spec : seen) EXPECT_EQ(spec, seen[0]);
}

TEST(CompiledJobs, ABadJobFileIsTheSameErrorForEveryTask) {
  CompiledJobs jobs;
  const std::string bad = "name: bad\ninput: {path: in.csv}\nsteps:\n  - filter: \"n >\"\n";
  std::shared_ptr<const JobFile> file = jobs.put(job_id(9), bad);
  const uint64_t before = job_compilations();
  auto first = file->compiled();
  auto again = jobs.find(job_id(9))->compiled();
  ASSERT_FALSE(first.is_ok());
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(first.status().message(), again.status().message());
  EXPECT_EQ(job_compilations() - before, 1u);
}

}  // namespace
}  // namespace sluice
