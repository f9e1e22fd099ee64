// The typed wire (proto/wire.h): every message kind survives encode ->
// decode with random fields (any bytes in its strings, an embedded NUL too);
// truncated, mistyped, oversized and garbage frames are error Statuses,
// never exceptions. Randomized; the seed is printed. Replay with
// SLUICE_SEED=<seed>.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>

#include "common/base/limits.h"
#include "proto/wire.h"

namespace sluice::proto {
namespace {

uint64_t base_seed() {
  if (const char* text = std::getenv("SLUICE_SEED")) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  uint64_t u64() {
    // Edges as often as anything: 0, the maximum, small numbers.
    switch (engine_() % 4) {
      case 0:
        return 0;
      case 1:
        return UINT64_MAX;
      case 2:
        return engine_() % 100;
      default:
        return engine_();
    }
  }
  uint32_t u32() { return static_cast<uint32_t>(u64()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  bool flag() { return engine_() % 2 == 0; }
  size_t below(size_t bound) { return static_cast<size_t>(engine_() % bound); }
  std::string text() {
    std::string value(below(40), '\0');
    for (char& c : value) c = static_cast<char>(engine_());
    return value;
  }
  std::vector<std::string> texts() {
    std::vector<std::string> values(below(5));
    for (std::string& value : values) value = text();
    return values;
  }
  AttemptId attempt() { return AttemptId{text(), u32(), u32()}; }

 private:
  std::mt19937_64 engine_;
};

PartStats random_stats(Random& r) {
  PartStats stats;
  stats.rows_in = r.u64();
  stats.rows_out = r.u64();
  stats.rows_filtered = r.u64();
  stats.rows_rejected = r.u64();
  stats.bytes_read = r.u64();
  stats.bytes_written = r.u64();
  stats.checksum = r.u64();
  stats.rejects_bytes = r.u64();
  stats.rejects_checksum = r.u64();
  stats.start_offset = r.u64();
  stats.end_offset = r.u64();
  stats.row_groups_skipped = r.u64();
  for (size_t i = r.below(4); i > 0; --i)
    stats.files.push_back(PartitionFile{r.text(), r.u64(), r.u64(), r.u64()});
  for (size_t i = r.below(3); i > 0; --i) {
    S3UploadRecord upload{r.text(), r.text(), {}};
    for (size_t j = r.below(4); j > 0; --j)
      upload.parts.push_back(S3Part{r.u32(), r.text(), r.u64()});
    stats.uploads.push_back(std::move(upload));
  }
  return stats;
}

Task random_task(Random& r) {
  Task task;
  task.job_id = r.text();
  task.partition = r.u32();
  task.attempt = r.u32();
  task.spec_yaml = r.text();
  task.base_dir = r.text();
  if (r.flag()) {
    task.input = QueryKeyRange{r.text(), r.i64(), r.u64(), r.u64()};
  } else {
    task.input = ByteRange{r.text(), r.u64(), r.u64(), r.flag(), r.u64(), r.u64(), r.i64()};
  }
  task.temp_path = r.text();
  task.rejects_temp_path = r.text();
  task.isolating = r.flag();
  task.isolate_from_offset = r.u64();
  for (size_t i = r.below(4); i > 0; --i) {
    task.skip_offsets.push_back(r.u64());
    task.skip_reasons.push_back(r.text());
  }
  task.is_bucket_task = r.flag();
  task.bucket_begin = r.u32();
  task.bucket_end = r.u32();
  task.map_output_dir = r.text();
  task.map_output_count = r.u32();
  task.input_columns = r.texts();
  task.header_known = r.flag();
  task.is_final_merge = r.flag();
  task.sorted_output_count = r.u32();
  task.bucket_tasks = r.u32();
  task.join_right_side = r.flag();
  task.map_tasks_right = r.u32();
  task.join_right_columns = r.texts();
  task.join_broadcast = r.flag();
  task.output_url = r.text();
  task.rejects_url = r.text();
  return task;
}

StatusReply random_status(Random& r) {
  StatusReply reply;
  reply.workers_connected = r.u32();
  for (size_t i = r.below(4); i > 0; --i) {
    JobStatus job;
    job.job_id = r.text();
    job.name = r.text();
    job.state = r.text();
    job.error = r.text();
    job.output_path = r.text();
    job.stages = r.text();
    job.partitions_total = r.u32();
    job.partitions_done = r.u32();
    job.rows_in = r.u64();
    job.rows_out = r.u64();
    job.rows_filtered = r.u64();
    job.rows_rejected = r.u64();
    job.bytes_read = r.u64();
    job.bytes_total = r.u64();
    job.elapsed_ms = r.u64();
    reply.jobs.push_back(std::move(job));
  }
  return reply;
}

// A message of kind `kind` (a Message index) with random fields.
Message random_message(Random& r, size_t kind) {
  switch (kind) {
    case 0:
      return Register{r.text(), r.u32(), r.text(), r.u32(), r.u32()};
    case 1:
      return Welcome{r.text(), r.u32(), r.u32()};
    case 2:
      return Heartbeat{r.u32(), r.u64()};
    case 3:
      return RequestWork{r.u32()};
    case 4:
      return random_task(r);
    case 5:
      return Progress{r.attempt(), r.u64(), r.u64(), r.u64(), r.u64(), r.u32()};
    case 6:
      return Done{r.attempt(), random_stats(r)};
    case 7:
      return Failed{r.attempt(), r.text(), r.flag(), r.flag(), r.u32(), r.flag(), r.flag()};
    case 8:
      return CommitDecision{r.attempt(), r.flag(), r.text()};
    case 9:
      return SubmitJob{r.text(), r.text(), r.text()};
    case 10:
      return SubmitReply{r.text(), r.flag(), r.text()};
    case 11:
      return StatusRequest{r.text()};
    case 12:
      return random_status(r);
    case 13:
      return CancelJob{r.text()};
    case 14:
      return ErrorReply{r.text()};
    case 15:
      return TaskAbort{r.attempt()};
    default:
      return ProgressAck{r.attempt(), r.u64()};
  }
}

TEST(Wire, EveryKindRoundTripsWithRandomFields) {
  const uint64_t seed = base_seed();
  std::cout << "Wire seed=" << seed << " (replay with SLUICE_SEED=" << seed << ")\n";
  Random r(seed);
  for (int round = 0; round < 200; ++round) {
    for (size_t kind = 0; kind < std::variant_size_v<Message>; ++kind) {
      const Message sent = random_message(r, kind);
      ASSERT_EQ(sent.index(), kind);
      auto received = decode(encode(sent));
      ASSERT_TRUE(received.is_ok())
          << kind_name(sent) << ": " << received.status().to_string() << " seed=" << seed;
      EXPECT_TRUE(received.value() == sent) << kind_name(sent) << " seed=" << seed;
    }
  }
}

TEST(Wire, DefaultsRoundTripAndNewFieldsArrive) {
  EXPECT_TRUE(decode(encode(Task{})).value() == Message(Task{}));
  EXPECT_TRUE(std::holds_alternative<ByteRange>(Task{}.input));
}

// Each kind of input range arrives as the kind it was, every field intact.
TEST(Wire, TaskInputRangesKeepTheirKind) {
  Task bytes;
  bytes.input = ByteRange{"s3://bucket/a b.csv",
                          1ull << 40,
                          (1ull << 40) + 7,
                          true,
                          (1ull << 40) + 3,
                          1ull << 41,
                          -12345};
  const Task read_bytes = std::get<Task>(decode(encode(bytes)).value());
  ASSERT_TRUE(std::holds_alternative<ByteRange>(read_bytes.input));
  EXPECT_EQ(std::get<ByteRange>(read_bytes.input), std::get<ByteRange>(bytes.input));

  Task keys;
  // A key range starting at key 0 relative to a negative minimum key.
  keys.input = QueryKeyRange{"postgres: dbname=x; key=id; query=SELECT 1", -5, 0, 1000};
  const Task read_keys = std::get<Task>(decode(encode(keys)).value());
  ASSERT_TRUE(std::holds_alternative<QueryKeyRange>(read_keys.input));
  EXPECT_EQ(std::get<QueryKeyRange>(read_keys.input), std::get<QueryKeyRange>(keys.input));
  EXPECT_EQ(input_name(read_keys.input), "postgres: dbname=x; key=id; query=SELECT 1");

  // An empty key range of key 0 is still a key range.
  keys.input = QueryKeyRange{};
  EXPECT_TRUE(
      std::holds_alternative<QueryKeyRange>(std::get<Task>(decode(encode(keys)).value()).input));
}

TEST(Wire, TruncatedFramesAreErrors) {
  Random r(7);
  const std::string bytes = encode(random_task(r));
  ASSERT_GT(bytes.size(), 64u);
  for (size_t size = 0; size < bytes.size(); size += 8) {
    auto decoded = decode(std::string_view(bytes.data(), size));
    EXPECT_FALSE(decoded.is_ok()) << "size=" << size;
  }
  // Not a whole number of 8-byte words.
  EXPECT_FALSE(decode(std::string_view(bytes.data(), bytes.size() - 3)).is_ok());
}

TEST(Wire, AnUnknownKindIsAnError) {
  // The union's tag is the root struct's first 16 bits of data: after the
  // segment table (8 bytes) and the root pointer (8 bytes).
  std::string bytes = encode(Heartbeat{1, 2});
  const uint16_t unknown = 200;
  std::memcpy(bytes.data() + 16, &unknown, sizeof unknown);
  auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("unknown message kind 200"), std::string::npos)
      << decoded.status().message();
}

TEST(Wire, AFrameOfAnotherKindIsThatKind) {
  // A reader never sees one kind's fields through another's: the kind is in
  // the frame, and std::get of the wrong alternative is refused.
  const Message read = decode(encode(CancelJob{"job"})).value();
  EXPECT_TRUE(std::holds_alternative<CancelJob>(read));
  EXPECT_FALSE(std::holds_alternative<Task>(read));
}

TEST(Wire, OversizedFramesAndListsAreErrors) {
  const std::string over(static_cast<size_t>(limits::kMessageBytesMax) + 8, '\0');
  auto decoded = decode(over);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("over the limit"), std::string::npos);
  // A list claiming 2^29 - 1 elements of zero size in a frame of a few
  // words: the reader's traversal limit refuses it (each element counts).
  StatusReply reply;
  reply.jobs.resize(1);
  std::string bytes = encode(reply);
  // Find the jobs list pointer (list of structs: low 2 bits 01, element size
  // 7 = composite) and make its word count huge; a tag word follows it.
  bool patched = false;
  for (size_t at = 8; at + 8 <= bytes.size() && !patched; at += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes.data() + at, 8);
    if ((word & 3) == 1 && ((word >> 32) & 7) == 7) {
      word = (word & 0xffffffffULL) | (static_cast<uint64_t>(0x1fffffff) << 35) | (7ULL << 32);
      std::memcpy(bytes.data() + at, &word, 8);
      patched = true;
    }
  }
  ASSERT_TRUE(patched);
  EXPECT_FALSE(decode(bytes).is_ok());
}

TEST(Wire, GarbageIsAnErrorNeverAnException) {
  const uint64_t seed = base_seed();
  std::cout << "Wire garbage seed=" << seed << " (replay with SLUICE_SEED=" << seed << ")\n";
  std::mt19937_64 engine(seed);
  Random r(seed);
  int refused = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = encode(random_message(r, round % std::variant_size_v<Message>));
    // Flip a few bytes of a valid frame, or make one up.
    if (round % 3 == 0) {
      for (char& c : bytes) c = static_cast<char>(engine());
    } else {
      for (int flips = 1 + static_cast<int>(engine() % 4); flips > 0; --flips)
        bytes[engine() % bytes.size()] = static_cast<char>(engine());
    }
    auto decoded = decode(bytes);  // must return, never throw
    if (!decoded.is_ok()) ++refused;
  }
  EXPECT_GT(refused, 0) << "seed=" << seed;
  EXPECT_FALSE(decode("").is_ok());
}

}  // namespace
}  // namespace sluice::proto
