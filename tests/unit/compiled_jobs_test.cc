// A worker compiles a job's file once and answers its next tasks from the
// cache (worker/compiled_jobs.h); the cache holds the last 16 jobs.
#include "worker/compiled_jobs.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

std::string job_yaml(int number) {
  return "name: cached-" + std::to_string(number) +
         "\ninput: {path: in.csv}\nsteps:\n  - filter: \"n > " + std::to_string(number) +
         "\"\noutput: {path: out/}\n";
}

TEST(CompiledJobs, ATasksJobIsCompiledOncePerWorker) {
  const uint64_t before = job_compilations();
  auto first = compiled_job(job_yaml(1000));
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto again = compiled_job(job_yaml(1000));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(first.value().get(), again.value().get()) << "the second task parsed the job again";
  EXPECT_EQ(job_compilations() - before, 1u);
  EXPECT_EQ(first.value()->name, "cached-1000");
}

TEST(CompiledJobs, TheLeastRecentlyUsedJobLeavesTheCache) {
  ASSERT_TRUE(compiled_job(job_yaml(2000)).is_ok());
  for (int i = 1; i <= static_cast<int>(kCompiledJobsCached); ++i) {
    ASSERT_TRUE(compiled_job(job_yaml(2000 + i)).is_ok());
  }
  const uint64_t before = job_compilations();
  ASSERT_TRUE(compiled_job(job_yaml(2000 + static_cast<int>(kCompiledJobsCached))).is_ok());
  EXPECT_EQ(job_compilations(), before) << "a recent job was compiled again";
  ASSERT_TRUE(compiled_job(job_yaml(2000)).is_ok());
  EXPECT_EQ(job_compilations(), before + 1) << "the oldest of 17 jobs was still cached";
}

TEST(CompiledJobs, ABadJobIsAnErrorEveryTimeAndNotCached) {
  const std::string bad = "name: bad\ninput: {path: in.csv}\nsteps:\n  - filter: \"n >\"\n";
  const uint64_t before = job_compilations();
  EXPECT_FALSE(compiled_job(bad).is_ok());
  EXPECT_FALSE(compiled_job(bad).is_ok());
  EXPECT_EQ(job_compilations() - before, 2u);
}

}  // namespace
}  // namespace sluice
