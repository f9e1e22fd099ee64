// output.partition_by's pure parts: Hive's escaping of directory names, and
// the coordinator's check of the files a worker reports (a report is not
// trusted with paths: nothing outside a partition directory of the job's
// columns, nothing listed twice, sums that add up).
#include <gtest/gtest.h>

#include "common/layout/hive_path.h"
#include "coordinator/output_paths.h"

namespace sluice {
namespace {

TEST(HivePath, EscapesAsHiveAndSparkDo) {
  EXPECT_EQ(hive_component("state", std::string_view("NY")), "state=NY");
  EXPECT_EQ(hive_component("a b", std::string_view("x y")), "a b=x y");
  EXPECT_EQ(hive_component("k", std::string_view("a/b=c%d")), "k=a%2Fb%3Dc%25d");
  EXPECT_EQ(hive_component("k", std::string_view("\"#'*:?\\{[]^")),
            "k=%22%23%27%2A%3A%3F%5C%7B%5B%5D%5E");
  EXPECT_EQ(hive_component("k", std::string_view("\x01\t\x7F")), "k=%01%09%7F");
  EXPECT_EQ(hive_component("k", std::string_view("caf\xC3\xA9")), "k=caf\xC3\xA9");
  EXPECT_EQ(hive_component("k", std::string_view("bad\xC3(")), "k=bad%C3(");
  EXPECT_EQ(hive_component("k", std::nullopt), "k=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(hive_component("k", std::string_view("")), "k=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(hive_component("a=b", std::string_view("1")), "a%3Db=1");
}

TEST(HivePath, UnescapeUndoesEscape) {
  const std::string value = "a/b=c%d \"#'*:?\\{[]^\t end";
  std::string escaped;
  append_hive_escaped(escaped, value);
  EXPECT_EQ(hive_unescape(escaped), value);
  EXPECT_EQ(hive_unescape("50%"), "50%");
  EXPECT_EQ(hive_unescape("%zz"), "%zz");
}

TEST(HivePath, PartitionDirsOfTheColumnsOnly) {
  const std::vector<std::string> columns = {"state", "year"};
  EXPECT_TRUE(is_partition_dir("state=NY/year=2020", columns));
  EXPECT_TRUE(is_partition_dir("state=__HIVE_DEFAULT_PARTITION__/year=..", columns));
  EXPECT_FALSE(is_partition_dir("state=NY", columns));
  EXPECT_FALSE(is_partition_dir("state=NY/year=2020/x=1", columns));
  EXPECT_FALSE(is_partition_dir("year=2020/state=NY", columns));
  EXPECT_FALSE(is_partition_dir("../../etc/year=1", columns));
  EXPECT_FALSE(is_partition_dir("state=NY/../year=1", columns));
  EXPECT_FALSE(is_partition_dir("/state=NY/year=1", columns));
  EXPECT_FALSE(is_partition_dir("state=/year=1", columns));
  EXPECT_FALSE(is_partition_dir(std::string("state=N\0Y/year=1", 16), columns));
  EXPECT_FALSE(is_partition_dir("state=\xFF/year=1", columns));
  EXPECT_FALSE(is_partition_dir("state=" + std::string(260, 'x') + "/year=1", columns));
  EXPECT_FALSE(is_partition_dir("state=NY/year=1", {}));
}

JobRecord partitioned_job() {
  JobRecord job;
  job.id = "job";
  job.output_dir = "/out";
  job.extension = ".csv";
  job.partitions_total = 3;
  job.partition_by = {"state"};
  return job;
}

TEST(PartitionFiles, ReportedFilesMustBeTheJobsPartitionsAndAddUp) {
  const JobRecord job = partitioned_job();
  PartStats stats;
  stats.files = {{"state=NY", 3, 30, 1}, {"state=NJ", 2, 20, 2}};
  stats.rows_out = 5;
  stats.bytes_written = 50;
  EXPECT_EQ(partition_files_problem(job, 1, stats), std::nullopt);
  EXPECT_EQ(partition_file_name(job, 1, stats.files[1]), "state=NJ/part-00001.csv");

  PartStats escaping = stats;
  escaping.files[0].dir = "../state=NY";
  EXPECT_NE(partition_files_problem(job, 1, escaping), std::nullopt);
  PartStats twice = stats;
  twice.files[1].dir = "state=NY";
  EXPECT_NE(partition_files_problem(job, 1, twice), std::nullopt);
  PartStats short_rows = stats;
  short_rows.rows_out = 6;
  EXPECT_NE(partition_files_problem(job, 1, short_rows), std::nullopt);
  PartStats short_bytes = stats;
  short_bytes.bytes_written = 49;
  EXPECT_NE(partition_files_problem(job, 1, short_bytes), std::nullopt);

  JobRecord plain = job;
  plain.partition_by.clear();
  EXPECT_NE(partition_files_problem(plain, 1, stats), std::nullopt);
  EXPECT_EQ(partition_files_problem(plain, 1, PartStats()), std::nullopt);
}

TEST(PartitionFiles, MapTasksOfAnAggregateReportNoFiles) {
  JobRecord job = partitioned_job();
  job.has_aggregate = true;
  job.map_tasks = 2;
  PartStats stats;
  stats.files = {{"state=NY", 1, 10, 1}};
  stats.rows_out = 1;
  stats.bytes_written = 10;
  EXPECT_NE(partition_files_problem(job, 0, stats), std::nullopt);  // a map task
  EXPECT_EQ(partition_files_problem(job, 2, stats), std::nullopt);  // a bucket task
  EXPECT_EQ(partition_file_name(job, 2, stats.files[0]), "state=NY/part-00000.csv");
}

}  // namespace
}  // namespace sluice
