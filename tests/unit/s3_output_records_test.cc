// The coordinator's side of exactly-once S3 output (coordinator/s3_output.h)
// without a server: a Done's uploads read from the wire, kept in the
// partition's ledger record and read back, and checked before the attempt
// may win (a worker's report is not trusted with URLs, sizes or parts).
#include <gtest/gtest.h>

#include "coordinator/records.h"
#include "coordinator/s3_output.h"
#include "coordinator/wire.h"
#include "proto/wire.h"

namespace sluice {
namespace {

JobRecord s3_job() {
  JobRecord job;
  job.id = "job1";
  job.output_dir = "s3://bucket/out/w1";
  job.extension = ".csv";
  return job;
}

PartStats stats_with(std::vector<S3UploadRecord> uploads, uint64_t bytes,
                     uint64_t rows_rejected = 0, uint64_t rejects_bytes = 0) {
  PartStats stats;
  stats.bytes_written = bytes;
  stats.rows_rejected = rows_rejected;
  stats.rejects_bytes = rejects_bytes;
  stats.uploads = std::move(uploads);
  return stats;
}

TEST(S3OutputRecords, PartAndRejectsUrlsAreTheFinalKeys) {
  const JobRecord job = s3_job();
  EXPECT_TRUE(is_s3_output(job));
  EXPECT_EQ(s3_part_url(job, 3), "s3://bucket/out/w1/part-00003.csv");
  EXPECT_EQ(s3_rejects_url(job, 3), "s3://bucket/out/w1/_rejects/part-00003.csv");
  JobRecord aggregate = job;
  aggregate.has_aggregate = true;
  aggregate.partition_by = {"state"};
  EXPECT_FALSE(s3_output_unsupported(aggregate).has_value());
  EXPECT_FALSE(s3_output_unsupported(job).has_value());
  JobRecord overwrite = job;
  overwrite.output_mode = OutputMode::kOverwrite;
  EXPECT_FALSE(s3_output_unsupported(overwrite).has_value());
  JobRecord incremental = job;
  incremental.lineage_id = "lineage1";
  EXPECT_TRUE(s3_output_unsupported(incremental).has_value());
}

TEST(S3OutputRecords, AnExchangesMapTasksUploadOnlyRejectsItsBucketTasksTheirParts) {
  JobRecord job = s3_job();
  job.has_aggregate = true;
  job.map_tasks = 2;
  job.partitions_total = 4;  // map tasks 0 and 1, bucket tasks 2 and 3 (parts 0 and 1)
  EXPECT_EQ(s3_part_url(job, 3), "s3://bucket/out/w1/part-00001.csv");
  const S3UploadRecord rejected{s3_rejects_url(job, 1), "id", {S3Part{1, "\"r\"", 30}}};
  EXPECT_FALSE(s3_uploads_problem(job, 1, stats_with({}, 500)).has_value());
  EXPECT_FALSE(s3_uploads_problem(job, 1, stats_with({rejected}, 500, 1, 30)).has_value());
  const S3UploadRecord map_part{s3_part_url(job, 1), "id", {S3Part{1, "\"m\"", 500}}};
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({map_part}, 500)).has_value());
  const S3UploadRecord bucket_part{s3_part_url(job, 3), "id", {S3Part{1, "\"b\"", 9}}};
  EXPECT_FALSE(s3_uploads_problem(job, 3, stats_with({bucket_part}, 9)).has_value());
  EXPECT_TRUE(s3_uploads_problem(job, 2, stats_with({bucket_part}, 9)).has_value());
}

TEST(S3OutputRecords, PartitionedPartsUploadEachFileToItsKey) {
  JobRecord job = s3_job();
  job.partition_by = {"state"};
  PartStats stats = stats_with({}, 12);
  stats.rows_out = 3;
  stats.files = {PartitionFile{"state=NJ", 1, 5, 0}, PartitionFile{"state=NY", 2, 7, 0}};
  const S3UploadRecord nj{
      "s3://bucket/out/w1/state=NJ/part-00004.csv", "a", {S3Part{1, "\"a\"", 5}}};
  const S3UploadRecord ny{
      "s3://bucket/out/w1/state=NY/part-00004.csv", "b", {S3Part{1, "\"b\"", 7}}};
  stats.uploads = {nj, ny};
  EXPECT_FALSE(s3_uploads_problem(job, 4, stats).has_value());
  stats.uploads = {ny, nj};  // in the files' order
  EXPECT_TRUE(s3_uploads_problem(job, 4, stats).has_value());
  stats.uploads = {nj};
  EXPECT_TRUE(s3_uploads_problem(job, 4, stats).has_value());
}

TEST(S3OutputRecords, UploadsSurviveTheLedgerRecord) {
  PartitionRecord partition;
  partition.index = 2;
  partition.state = PartitionState::kCommitted;
  partition.attempt = 4;
  partition.stats = stats_with({S3UploadRecord{"s3://bucket/out/w1/part-00002.csv",
                                               "up/1+=",
                                               {S3Part{1, "\"a\"", 8}, S3Part{2, "\"b\"", 3}}}},
                               11);
  auto back = decode_partition(encode_partition(partition));
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  ASSERT_EQ(back->stats.uploads.size(), 1u);
  EXPECT_EQ(back->stats.uploads[0].url, partition.stats.uploads[0].url);
  EXPECT_EQ(back->stats.uploads[0].upload_id, "up/1+=");
  ASSERT_EQ(back->stats.uploads[0].parts.size(), 2u);
  EXPECT_EQ(back->stats.uploads[0].parts[1].etag, "\"b\"");
  EXPECT_EQ(back->stats.uploads[0].size_bytes(), 11u);
  // A record written before S3 outputs has none; a damaged one is an error.
  PartitionRecord local;
  auto plain = decode_partition(encode_partition(local));
  ASSERT_TRUE(plain.is_ok());
  EXPECT_TRUE(plain->stats.uploads.empty());
  std::string damaged = encode_partition(partition);
  damaged.replace(damaged.find("\"upload_id\""), 11, "\"uploadid\"");
  EXPECT_FALSE(decode_partition(damaged).is_ok());
}

TEST(S3OutputRecords, DoneUploadsAreReadFromTheWire) {
  proto::Done done{AttemptRef{"job1", 1, 2}, {}};
  done.stats.uploads.push_back(S3UploadRecord{
      "s3://bucket/out/w1/part-00001.csv", "id-9", {{1, "\"x\"", 10}, {2, "\"y\"", 5}}});
  auto decoded = proto::decode(proto::encode(done));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  const DoneReport report = std::get<proto::Done>(decoded.value());
  ASSERT_EQ(report.stats.uploads.size(), 1u);
  EXPECT_EQ(report.stats.uploads[0].upload_id, "id-9");
  EXPECT_EQ(report.stats.uploads[0].size_bytes(), 15u);
  EXPECT_EQ(report.stats.uploads[0].parts[1].number, 2u);
}

TEST(S3OutputRecords, ReportedUploadsMustBeThePartitionsWhole) {
  const JobRecord job = s3_job();
  const std::string part = s3_part_url(job, 1);
  const std::string rejects = s3_rejects_url(job, 1);
  const S3UploadRecord good{part, "id", {S3Part{1, "\"a\"", 7}}};
  EXPECT_FALSE(s3_uploads_problem(job, 1, stats_with({good}, 7)).has_value());
  // Another partition's key, another size, no upload id, parts misnumbered.
  EXPECT_TRUE(s3_uploads_problem(job, 2, stats_with({good}, 7)).has_value());
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({good}, 8)).has_value());
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({S3UploadRecord{part, "", good.parts}}, 7)));
  EXPECT_TRUE(s3_uploads_problem(
      job, 1, stats_with({S3UploadRecord{part, "id", {S3Part{2, "\"a\"", 7}}}}, 7)));
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({}, 7)).has_value());
  // Rejects: their upload must be there, to their key, of their size.
  const S3UploadRecord rejected{rejects, "id2", {S3Part{1, "\"r\"", 30}}};
  EXPECT_FALSE(s3_uploads_problem(job, 1, stats_with({good, rejected}, 7, 1, 30)).has_value());
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({good}, 7, 1, 30)).has_value());
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({good, rejected}, 7, 1, 31)).has_value());
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({good, good}, 7, 1, 7)).has_value());
  // More parts than S3 allows.
  S3UploadRecord many{part, "id", {}};
  for (uint32_t i = 1; i <= kS3PartsMax + 1; ++i) many.parts.push_back(S3Part{i, "\"p\"", 1});
  EXPECT_TRUE(s3_uploads_problem(job, 1, stats_with({many}, kS3PartsMax + 1)).has_value());
}

}  // namespace
}  // namespace sluice
