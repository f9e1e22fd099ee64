// The ledger's binary partition record (coordinator/partition_codec.cc):
// every field round trips, and a damaged or truncated record is an error,
// never a crash or a half-read record.
#include <gtest/gtest.h>

#include "coordinator/records.h"

namespace sluice {
namespace {

PartitionRecord full_record() {
  PartitionRecord p;
  p.index = 999'999;
  p.range = PlannedRange{3, 1ull << 40, (1ull << 40) + 12345};
  p.is_bucket = true;
  p.bucket_begin = 7;
  p.bucket_end = 9;
  p.is_final = true;
  p.state = PartitionState::kCommitted;
  p.attempts_started = 5;
  p.attempts_failed = 2;
  p.attempt = 4;
  p.start_is_exact = true;
  p.exact_start_offset = 77;
  p.stats = PartStats{1, 2, 3, 4, 5, 6, ~0ull, 8, 0x8000000000000001ull, 10, 11, 12, {}, {}};
  p.stats.files = {PartitionFile{"a=1/b=\xff", 3, 4, 5}, PartitionFile{"", 0, 0, ~0ull}};
  p.stats.uploads = {S3UploadRecord{"s3://b/k", "id+/=", {S3Part{1, "\"e\"", 8}}}};
  p.last_error = std::string("bad \0 bytes \xc3(", 14);
  p.deaths.in_a_row = 2;
  p.deaths.isolating = true;
  p.deaths.single_from = 0;
  p.deaths.last_single_death = 1ull << 63;
  p.skipped = {SkippedRecord{12, "worker crashed on this record (signal 11, SIGSEGV)"}};
  return p;
}

TEST(PartitionCodec, EveryFieldRoundTrips) {
  const PartitionRecord p = full_record();
  auto back = decode_partition(encode_partition(p));
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->index, p.index);
  EXPECT_EQ(back->range.file_index, 3u);
  EXPECT_EQ(back->range.end_offset, p.range.end_offset);
  EXPECT_TRUE(back->is_bucket && back->is_final);
  EXPECT_EQ(back->bucket_end, 9u);
  EXPECT_EQ(back->state, PartitionState::kCommitted);
  EXPECT_EQ(back->attempts_started, 5u);
  EXPECT_EQ(back->attempts_failed, 2u);
  EXPECT_EQ(back->attempt, 4u);
  EXPECT_TRUE(back->start_is_exact);
  EXPECT_EQ(back->exact_start_offset, 77u);
  EXPECT_EQ(back->stats.checksum, ~0ull);
  EXPECT_EQ(back->stats.rejects_checksum, 0x8000000000000001ull);
  EXPECT_EQ(back->stats.row_groups_skipped, 12u);
  EXPECT_EQ(back->stats.end_offset, 11u);
  ASSERT_EQ(back->stats.files.size(), 2u);
  EXPECT_EQ(back->stats.files[0].dir, p.stats.files[0].dir);
  EXPECT_EQ(back->stats.files[1].checksum, ~0ull);
  ASSERT_EQ(back->stats.uploads.size(), 1u);
  EXPECT_EQ(back->stats.uploads[0].upload_id, "id+/=");
  EXPECT_EQ(back->last_error, p.last_error);
  EXPECT_EQ(back->deaths.in_a_row, 2u);
  EXPECT_TRUE(back->deaths.isolating);
  EXPECT_FALSE(back->deaths.last_offset.has_value());
  EXPECT_EQ(back->deaths.single_from, std::optional<uint64_t>(0));
  EXPECT_EQ(back->deaths.last_single_death, std::optional<uint64_t>(1ull << 63));
  ASSERT_EQ(back->skipped.size(), 1u);
  EXPECT_EQ(back->skipped[0].reason, p.skipped[0].reason);
  // A planned partition's record is about 50 bytes (JSON: ~300).
  PartitionRecord planned;
  planned.index = 123'456;
  planned.range = PlannedRange{0, 1'000'000'000, 1'000'065'536};
  EXPECT_LT(encode_partition(planned).size(), 64u);
}

TEST(PartitionCodec, ADamagedOrTruncatedRecordIsAnError) {
  const std::string bytes = encode_partition(full_record());
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(decode_partition(bytes.substr(0, size)).is_ok()) << "truncated to " << size;
  }
  EXPECT_FALSE(decode_partition(bytes + "x").is_ok());
  EXPECT_FALSE(decode_partition(R"({"index": 1})").is_ok()) << "an earlier version's JSON";
}

}  // namespace
}  // namespace sluice
